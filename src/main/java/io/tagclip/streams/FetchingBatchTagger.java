package io.tagclip.streams;

import io.tagclip.avro.FailureReason;
import io.tagclip.avro.ImageRef;
import io.tagclip.fetch.FetchException;
import io.tagclip.fetch.ImageLoader;
import io.tagclip.fetch.LoadedImage;
import io.tagclip.fetch.SourceMetadata;
import io.tagclip.image.RgbImage;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.VocabularyAvailability;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.jboss.logging.Logger;

/**
 * The service's {@link BatchTagger}: fetches and decodes the batch's images concurrently on a bounded pool, hands
 * the decoded ones to the {@link InferenceWorker} in one call, and merges fetch failures and pipeline results back
 * into input order.
 */
public final class FetchingBatchTagger implements BatchTagger {

    private static final Logger LOG = Logger.getLogger(FetchingBatchTagger.class);

    private final ImageLoader loader;
    private final ExecutorService fetchPool;
    private final InferenceWorker worker;
    private final TaggerMetrics metrics;
    private final VocabularyAvailability vocabularies;

    /** @param fetchPool bounded pool shared by all stream threads; its owner shuts it down */
    public FetchingBatchTagger(
            ImageLoader loader, ExecutorService fetchPool, InferenceWorker worker, TaggerMetrics metrics) {
        this(loader, fetchPool, worker, metrics, VocabularyAvailability.ALWAYS);
    }

    /** As the other constructor, with vocabularies that change at run time: events wait for theirs. */
    public FetchingBatchTagger(
            ImageLoader loader,
            ExecutorService fetchPool,
            InferenceWorker worker,
            TaggerMetrics metrics,
            VocabularyAvailability vocabularies) {
        this.loader = Objects.requireNonNull(loader, "loader");
        this.fetchPool = Objects.requireNonNull(fetchPool, "fetchPool");
        this.worker = Objects.requireNonNull(worker, "worker");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.vocabularies = Objects.requireNonNull(vocabularies, "vocabularies");
    }

    @Override
    public VocabularyAvailability vocabularies() {
        return vocabularies;
    }

    /** An image that was fetched and decoded (and its bytes' identity), or why not, with the time it took. */
    private record Loaded(RgbImage image, SourceMetadata source, Outcome.Failed failure, long nanos) {}

    @Override
    public List<Outcome> tag(List<ImageRef> refs) throws InterruptedException {
        return tag(refs, BatchSteps.NONE);
    }

    @Override
    public List<Outcome> tag(List<ImageRef> refs, BatchSteps steps) throws InterruptedException {
        metrics.inFlight(refs.size());
        try {
            List<Loaded> loaded = loadAll(refs, steps);
            List<ImageRequest> requests = new ArrayList<>();
            for (int i = 0; i < refs.size(); i++) {
                if (loaded.get(i).image != null) {
                    ImageRef ref = refs.get(i);
                    requests.add(new ImageRequest(
                            ref.getId(),
                            loaded.get(i).image,
                            ref.getVocabularyId(),
                            ref.getLabels(),
                            ref.getExtraLabels()));
                }
            }
            long inferStart = EventTracer.nowNanos();
            List<TagResult> inferred = worker.infer(requests);
            long inferEnd = EventTracer.nowNanos();
            List<Outcome> outcomes = new ArrayList<>(refs.size());
            int next = 0;
            for (int i = 0; i < loaded.size(); i++) {
                Loaded l = loaded.get(i);
                if (l.failure != null) {
                    outcomes.add(l.failure);
                    continue;
                }
                TagResult result = inferred.get(next++);
                steps.inferred(
                        i,
                        inferStart,
                        inferEnd,
                        result instanceof TagResult.Failed failed ? failed.kind() + ": " + failed.message() : null);
                outcomes.add(outcome(result, l.nanos / 1_000_000, l.source));
            }
            return outcomes;
        } finally {
            metrics.inFlight(-refs.size());
        }
    }

    private List<Loaded> loadAll(List<ImageRef> refs, BatchSteps steps) throws InterruptedException {
        List<Future<Loaded>> futures = new ArrayList<>(refs.size());
        for (int i = 0; i < refs.size(); i++) {
            ImageRef ref = refs.get(i);
            int index = i;
            futures.add(fetchPool.submit(() -> {
                long start = EventTracer.nowNanos();
                Loaded l = load(ref);
                steps.fetched(
                        index,
                        start,
                        EventTracer.nowNanos(),
                        l.failure == null ? null : l.failure.reasonName() + ": " + l.failure.message());
                return l;
            }));
        }
        List<Loaded> loaded = new ArrayList<>(refs.size());
        try {
            for (Future<Loaded> future : futures) {
                loaded.add(future.get());
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("fetch task failed outside its own error handling", e.getCause());
        } finally {
            futures.forEach(f -> f.cancel(true)); // no-op for the finished ones; stops the rest when interrupted
        }
        return loaded;
    }

    private Loaded load(ImageRef ref) throws InterruptedException {
        long start = System.nanoTime();
        try {
            LoadedImage image = loader.loadWithSource(ref.getUri(), ref.getContentType());
            long nanos = System.nanoTime() - start;
            metrics.fetched("ok", nanos);
            return new Loaded(image.image(), image.source(), null, nanos);
        } catch (FetchException e) {
            long nanos = System.nanoTime() - start;
            metrics.fetched(e.reason().name(), nanos);
            return new Loaded(null, null, Outcome.Failed.named(e.reason().name(), e.getMessage(), e.attempts()), nanos);
        } catch (RuntimeException e) {
            // A defect met by one image must not fail the stream thread and with it the whole batch: dead-letter it
            // as UNKNOWN and keep the stack trace in the log.
            long nanos = System.nanoTime() - start;
            LOG.warnf(e, "unexpected error loading %s for %s", ref.getUri(), ref.getId());
            metrics.fetched(FailureReason.UNKNOWN.name(), nanos);
            return new Loaded(
                    null,
                    null,
                    new Outcome.Failed(FailureReason.UNKNOWN, "unexpected error loading " + ref.getUri() + ": " + e, 1),
                    nanos);
        }
    }

    private static Outcome outcome(TagResult result, long fetchMillis, SourceMetadata source) {
        if (result instanceof TagResult.Tagged tagged) {
            return new Outcome.Tagged(tagged, fetchMillis, source);
        }
        TagResult.Failed failed = (TagResult.Failed) result;
        // By name: a kind the frozen enum has (TOO_LARGE, INFERENCE_FAILED, ...) keeps its symbol, a newer one travels
        // in reasonName with the reason UNKNOWN.
        return Outcome.Failed.named(failed.kind().name(), failed.message(), failed.attempts());
    }
}
