package io.tagclip.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.tagclip.image.RgbImage;
import io.tagclip.pipeline.FailureKind;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import java.time.Duration;
import java.util.Arrays;
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
        return Arrays.stream(ids)
                .map(id -> ImageRequest.of(id, new RgbImage(2, 2, new byte[12])))
                .toList();
    }

    @Test
    void shouldPassOnASingleImageFailureAndItsAttemptsWithoutRetrying() throws Exception {
        FakePipeline pipeline = new FakePipeline();
        try (InferenceWorker worker =
                new InferenceWorker(pipeline, 4, 16, Duration.ofSeconds(10), TaggerMetrics.noop())) {

            List<TagResult> results = worker.infer(requests("a", "explode-b", "c"));

            assertThat(results).extracting(TagResult::id).containsExactly("a", "explode-b", "c");
            assertThat(results.get(0)).isInstanceOf(TagResult.Tagged.class);
            assertThat(results.get(2)).isInstanceOf(TagResult.Tagged.class);
            TagResult.Failed failed = (TagResult.Failed) results.get(1);
            assertThat(failed.kind()).isEqualTo(FailureKind.INFERENCE_FAILED);
            assertThat(failed.message()).contains("explode-b", "boom");
            assertThat(failed.attempts()).isEqualTo(2);
            assertThat(pipeline.callSizes)
                    .as("the pipeline owns the retry rule")
                    .containsExactly(3);
        }
    }

    @Test
    void shouldFailEveryImageOfACallThatThrowsAndKeepWorking() throws Exception {
        FakePipeline fake = new FakePipeline();
        TaggingPipeline throwsOnce = requests -> {
            if (fake.callSizes.isEmpty()) {
                fake.callSizes.add(requests.size());
                throw new IllegalStateException("engine lost");
            }
            return fake.tag(requests);
        };
        try (InferenceWorker worker =
                new InferenceWorker(throwsOnce, 4, 16, Duration.ofSeconds(10), TaggerMetrics.noop())) {

            List<TagResult> broken = worker.infer(requests("a", "b"));
            List<TagResult> next = worker.infer(requests("c"));

            assertThat(broken).allSatisfy(r -> {
                assertThat(((TagResult.Failed) r).kind()).isEqualTo(FailureKind.INFERENCE_FAILED);
                assertThat(((TagResult.Failed) r).message()).contains("2 images", "engine lost");
            });
            assertThat(next.get(0)).isInstanceOf(TagResult.Tagged.class);
            assertThat(worker.isAlive()).isTrue();
            assertThat(fake.callSizes).as("no retry by the worker").containsExactly(2, 1);
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
        try (InferenceWorker worker =
                new InferenceWorker(blockingFirst, 8, 16, Duration.ofSeconds(10), TaggerMetrics.noop())) {
            Future<List<TagResult>> first = callers.submit(() -> worker.infer(requests("first")));
            assertThat(firstCallStarted.await(5, TimeUnit.SECONDS)).isTrue();
            List<Future<List<TagResult>>> waiting = IntStream.range(0, 3)
                    .mapToObj(i -> callers.submit(() -> worker.infer(requests("t" + i + "-a", "t" + i + "-b"))))
                    .toList();
            while (queued(worker) < 3) {
                Thread.onSpinWait();
            }
            releaseFirstCall.countDown();

            assertThat(first.get(5, TimeUnit.SECONDS)).hasSize(1);
            for (int i = 0; i < 3; i++) {
                assertThat(waiting.get(i).get(5, TimeUnit.SECONDS))
                        .extracting(TagResult::id)
                        .containsExactly("t" + i + "-a", "t" + i + "-b");
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

            List<TagResult> results = worker.infer(requests("slow"));

            TagResult.Failed failed = (TagResult.Failed) results.get(0);
            assertThat(failed.kind()).isEqualTo(FailureKind.INFERENCE_FAILED);
            assertThat(failed.message()).contains("100 ms");
            never.countDown();
        }
    }

    @Test
    void shouldTreatBrokenPipelineContractAsInferenceFailure() throws Exception {
        TaggingPipeline dropsResults = requests -> List.of();
        try (InferenceWorker worker =
                new InferenceWorker(dropsResults, 2, 16, Duration.ofSeconds(5), TaggerMetrics.noop())) {

            List<TagResult> results = worker.infer(requests("a"));

            assertThat(((TagResult.Failed) results.get(0)).message()).contains("0 results for 1 requests");
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
