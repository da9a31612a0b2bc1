package io.tagclip.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.tagclip.avro.FailureReason;
import io.tagclip.avro.ImageRef;
import io.tagclip.fetch.FetchException;
import io.tagclip.fetch.ImageLoader;
import io.tagclip.fetch.LoadedImage;
import io.tagclip.fetch.SourceMetadata;
import io.tagclip.image.RgbImage;
import io.tagclip.pipeline.FailureKind;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FetchingBatchTaggerTest {

    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    private final FakePipeline pipeline = new FakePipeline();
    private final InferenceWorker worker =
            new InferenceWorker(pipeline, 4, 16, Duration.ofSeconds(10), TaggerMetrics.noop());

    @AfterEach
    void tearDown() throws InterruptedException {
        worker.close();
        pool.shutdownNow();
    }

    @Test
    void shouldFetchImagesOfABatchConcurrently() throws Exception {
        // every load waits until all four are in flight at once: only concurrent fetching gets past the barrier
        CyclicBarrier allInFlight = new CyclicBarrier(4);
        ImageLoader loader = (uri, type) -> {
            try {
                allInFlight.await(5, TimeUnit.SECONDS);
            } catch (BrokenBarrierException | TimeoutException e) {
                throw new FetchException(FetchException.Reason.TIMEOUT, "not concurrent: " + e);
            }
            return new RgbImage(3, 3, new byte[27]);
        };

        List<Outcome> outcomes = tagger(loader).tag(refs("a", "b", "c", "d"));

        assertThat(outcomes).allSatisfy(o -> assertThat(o).isInstanceOf(Outcome.Tagged.class));
        assertThat(pipeline.callSizes).containsExactly(4);
    }

    @Test
    void shouldFailOnlyTheBadImageOfABatch() throws Exception {
        ImageLoader loader = (uri, type) -> {
            if (uri.contains("bad")) {
                throw new FetchException(FetchException.Reason.UNDECODABLE, "cannot decode JPEG " + uri, 1, null);
            }
            return new RgbImage(2, 2, new byte[12]);
        };

        List<Outcome> outcomes = tagger(loader).tag(refs("a", "bad", "c", "explode-d"));

        assertThat(outcomes.get(0)).isInstanceOf(Outcome.Tagged.class);
        assertThat(outcomes.get(1))
                .isEqualTo(new Outcome.Failed(FailureReason.UNDECODABLE, "cannot decode JPEG img://bad", 1));
        assertThat(outcomes.get(2)).isInstanceOf(Outcome.Tagged.class);
        assertThat(((Outcome.Failed) outcomes.get(3)).reason()).isEqualTo(FailureReason.INFERENCE_FAILED);
        assertThat(((Outcome.Failed) outcomes.get(3)).attempt()).isEqualTo(2);
        assertThat(pipeline.callSizes)
                .as("the fetch failure never reaches the pipeline")
                .containsExactly(3);
    }

    @Test
    void shouldDeadLetterAnUnexpectedLoaderErrorAsUnknownWithoutFailingTheBatch() throws Exception {
        ImageLoader loader = (uri, type) -> {
            if (uri.contains("bug")) {
                throw new ArrayIndexOutOfBoundsException("Index 9 out of bounds for length 3");
            }
            return new RgbImage(2, 2, new byte[12]);
        };

        List<Outcome> outcomes = tagger(loader).tag(refs("a", "bug"));

        assertThat(outcomes.get(0)).isInstanceOf(Outcome.Tagged.class);
        Outcome.Failed failed = (Outcome.Failed) outcomes.get(1);
        assertThat(failed.reason()).isEqualTo(FailureReason.UNKNOWN);
        assertThat(failed.message()).contains("img://bug", "Index 9 out of bounds");
    }

    /** Fetch reasons newer than the frozen dead-letter enum: they travel in reasonName only. */
    private static final Set<FetchException.Reason> NEWER_THAN_THE_ENUM =
            EnumSet.of(FetchException.Reason.BUCKET_NOT_ALLOWED);

    @ParameterizedTest
    @EnumSource(FetchException.Reason.class)
    void shouldHaveADeadLetterReasonForEveryFetchReason(FetchException.Reason reason) {
        Outcome.Failed failed = Outcome.Failed.named(reason.name(), "m", 1);

        assertThat(failed.reasonName()).isEqualTo(reason.name());
        if (NEWER_THAN_THE_ENUM.contains(reason)) {
            assertThat(failed.reason()).isEqualTo(FailureReason.UNKNOWN);
        } else {
            assertThat(failed.reason().name()).isEqualTo(reason.name());
        }
    }

    @Test
    void shouldDeadLetterAReasonNewerThanTheEnumAsUnknownWithItsName() throws Exception {
        ImageLoader loader = (uri, type) -> {
            throw new FetchException(FetchException.Reason.BUCKET_NOT_ALLOWED, "bucket x is not on the list");
        };

        Outcome.Failed failed = (Outcome.Failed) tagger(loader).tag(refs("a")).get(0);

        assertThat(failed.reason()).isEqualTo(FailureReason.UNKNOWN);
        assertThat(failed.reasonName()).isEqualTo("BUCKET_NOT_ALLOWED");
        assertThat(failed.message()).isEqualTo("bucket x is not on the list");
    }

    @Test
    void shouldCarryTheSourceOfTheBytesToTheOutcome() throws Exception {
        SourceMetadata source = new SourceMetadata("e1", "v1", "abc");
        ImageLoader loader = new ImageLoader() {
            @Override
            public RgbImage load(String uri, String claimedType) {
                throw new AssertionError("loadWithSource is the one called");
            }

            @Override
            public LoadedImage loadWithSource(String uri, String claimedType) {
                return new LoadedImage(new RgbImage(2, 2, new byte[12]), source);
            }
        };

        Outcome.Tagged tagged = (Outcome.Tagged) tagger(loader).tag(refs("a")).get(0);

        assertThat(tagged.source()).isEqualTo(source);
    }

    @ParameterizedTest
    @EnumSource(FailureKind.class)
    void shouldHaveADeadLetterReasonForEveryPipelineFailure(FailureKind kind) {
        assertThatCode(() -> FailureReason.valueOf(kind.name())).doesNotThrowAnyException();
    }

    private FetchingBatchTagger tagger(ImageLoader loader) {
        return new FetchingBatchTagger(loader, pool, worker, TaggerMetrics.noop());
    }

    private static List<ImageRef> refs(String... ids) {
        return Arrays.stream(ids)
                .map(id -> TaggerTopologyTest.ref(id, "img://" + id))
                .toList();
    }
}
