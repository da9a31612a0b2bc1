package io.tagclip.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.tagclip.pipeline.FailureKind;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.image.RgbImage;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class InferenceWorkerTest {

    private static List<ImageRequest> requests(String... ids) {
        return java.util.Arrays.stream(ids).map(id -> ImageRequest.of(id, new RgbImage(2, 2, new byte[12]))).toList();
    }

    @Test
    void shouldRetryFailedBatchImageByImageSoOnlyTheGuiltyOneFails() throws Exception {
        FakePipeline pipeline = new FakePipeline();
        try (InferenceWorker worker = new InferenceWorker(pipeline, 4, 16, Duration.ofSeconds(10), TaggerMetrics.noop())) {

            List<InferenceWorker.Inferred> results = worker.infer(requests("a", "explode-b", "c"));

            assertThat(results).extracting(r -> r.result().id()).containsExactly("a", "explode-b", "c");
            assertThat(results.get(0).result()).isInstanceOf(TagResult.Tagged.class);
            assertThat(results.get(2).result()).isInstanceOf(TagResult.Tagged.class);
            TagResult.Failed failed = (TagResult.Failed) results.get(1).result();
            assertThat(failed.kind()).isEqualTo(FailureKind.INFERENCE_FAILED);
            assertThat(failed.message()).contains("explode-b", "boom");
            assertThat(results).extracting(InferenceWorker.Inferred::attempts).containsOnly(2);
            assertThat(pipeline.callSizes).containsExactly(3, 1, 1, 1);
        }
    }

    @Test
    void shouldCoalesceBatchesWaitingWhileThePipelineIsBusy() throws Exception {
        CountDownLatch firstCallStarted = new CountDownLatch(1);
        CountDownLatch releaseFirstCall = new CountDownLatch(1);
        FakePipeline fake = new FakePipeline();
        TaggingPipeline blockingFirst = requests -> {
            if (fake.callSizes.isEmpty()) {
                firstCallStarted.countDown();
                await(releaseFirstCall);
            }
            return fake.tag(requests);
        };
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try (InferenceWorker worker = new InferenceWorker(blockingFirst, 8, 16, Duration.ofSeconds(10), TaggerMetrics.noop())) {
            Future<List<InferenceWorker.Inferred>> first = callers.submit(() -> worker.infer(requests("first")));
            assertThat(firstCallStarted.await(5, TimeUnit.SECONDS)).isTrue();
            List<Future<List<InferenceWorker.Inferred>>> waiting = IntStream.range(0, 3)
                    .mapToObj(i -> callers.submit(() -> worker.infer(requests("t" + i + "-a", "t" + i + "-b"))))
                    .toList();
            while (queued(worker) < 3) {
                Thread.onSpinWait();
            }
            releaseFirstCall.countDown();

            assertThat(first.get(5, TimeUnit.SECONDS)).hasSize(1);
            for (int i = 0; i < 3; i++) {
                assertThat(waiting.get(i).get(5, TimeUnit.SECONDS))
                        .extracting(r -> r.result().id()).containsExactly("t" + i + "-a", "t" + i + "-b");
            }
            assertThat(fake.callSizes).containsExactly(1, 6);
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void shouldFailImagesWhoseInferenceOutlastsTheTimeout() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        TaggingPipeline stuck = requests -> {
            await(never);
            return List.of();
        };
        try (InferenceWorker worker = new InferenceWorker(stuck, 2, 16, Duration.ofMillis(100), TaggerMetrics.noop())) {

            List<InferenceWorker.Inferred> results = worker.infer(requests("slow"));

            TagResult.Failed failed = (TagResult.Failed) results.get(0).result();
            assertThat(failed.kind()).isEqualTo(FailureKind.INFERENCE_FAILED);
            assertThat(failed.message()).contains("100 ms");
            never.countDown();
        }
    }

    @Test
    void shouldTreatBrokenPipelineContractAsInferenceFailure() throws Exception {
        TaggingPipeline dropsResults = requests -> List.of();
        try (InferenceWorker worker = new InferenceWorker(dropsResults, 2, 16, Duration.ofSeconds(5), TaggerMetrics.noop())) {

            List<InferenceWorker.Inferred> results = worker.infer(requests("a"));

            assertThat(((TagResult.Failed) results.get(0).result()).message()).contains("0 results for 1 requests");
        }
    }

    private static int queued(InferenceWorker worker) {
        return worker.queuedBatches();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
