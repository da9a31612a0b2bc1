package io.tagclip.app;

import io.micrometer.core.instrument.MeterRegistry;
import io.tagclip.fetch.FetchSettings;
import io.tagclip.fetch.UriImageLoader;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.streams.BatchTagger;
import io.tagclip.streams.FetchingBatchTagger;
import io.tagclip.streams.InferenceWorker;
import io.tagclip.streams.TaggerMetrics;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The process-wide pieces every stream thread shares: the warmed-up pipeline behind one {@link InferenceWorker},
 * the bounded fetch pool and the {@link BatchTagger} over both. The pipeline comes from whichever CDI bean
 * implements {@link TaggingPipeline}.
 */
@Singleton
public class TaggerRuntime {

    private static final Logger LOG = Logger.getLogger(TaggerRuntime.class);

    private final TaggerMetrics metrics;
    private final ExecutorService fetchPool;
    private final InferenceWorker worker;
    private final BatchTagger batchTagger;
    private final FetchSettings fetchSettings;
    private volatile boolean warmedUp;

    @Inject
    public TaggerRuntime(TaggerConfig config, Instance<TaggingPipeline> pipelines, MeterRegistry registry) {
        if (pipelines.isUnsatisfied() || pipelines.isAmbiguous()) {
            throw new IllegalStateException("expected exactly one CDI bean implementing "
                    + TaggingPipeline.class.getName() + ", found " + (pipelines.isUnsatisfied() ? "none" : "several"));
        }
        TaggingPipeline pipeline = pipelines.get();
        long start = System.nanoTime();
        pipeline.warmUp();
        LOG.infof(
                "pipeline %s warmed up in %d ms",
                pipeline.getClass().getSimpleName(), (System.nanoTime() - start) / 1_000_000);
        this.warmedUp = true;
        this.metrics = new TaggerMetrics(registry);
        this.fetchSettings = fetchSettings(config.fetch());
        TaggerConfig.Batch batch = config.batch();
        this.worker = new InferenceWorker(
                pipeline, batch.queueCapacity(), batch.maxImagesPerCall(), batch.inferenceTimeout(), metrics);
        registry.gauge("tagger.inference.queued.batches", worker, InferenceWorker::queuedBatches);
        this.fetchPool = fetchPool(config.fetch().threads());
        this.batchTagger = new FetchingBatchTagger(new UriImageLoader(fetchSettings), fetchPool, worker, metrics);
    }

    static FetchSettings fetchSettings(TaggerConfig.Fetch f) {
        if (f.maxJpegScans() < 1) {
            throw new IllegalArgumentException("tagger.fetch.max-jpeg-scans must be >= 1, got " + f.maxJpegScans());
        }
        return new FetchSettings(
                f.connectTimeout(),
                f.readTimeout(),
                f.maxBytes(),
                f.maxAttempts(),
                f.retryBackoff(),
                f.maxRedirects(),
                f.maxPixels(),
                f.fileEnabled(),
                f.fileRoots().orElse(List.of()),
                f.addressGuard(),
                f.allowList().orElse(List.of()),
                f.exifOrientation(),
                f.userAgent(),
                f.strictDecode(),
                f.maxJpegScans());
    }

    private static ExecutorService fetchPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("tagger.fetch.threads must be >= 1, got " + threads);
        }
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor pool =
                new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), task -> {
                    Thread t = new Thread(task, "tagger-fetch-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    public BatchTagger batchTagger() {
        return batchTagger;
    }

    /**
     * Tags decoded images through the process's inference worker, queued with the stream threads' batches (the
     * try-it page's way in, so that an upload meets the same pipeline and limits as an event).
     */
    public List<TagResult> infer(List<ImageRequest> requests) throws InterruptedException {
        return worker.infer(requests);
    }

    public TaggerMetrics metrics() {
        return metrics;
    }

    public FetchSettings fetchSettings() {
        return fetchSettings;
    }

    /** True once the pipeline has run its warm-up batch. */
    public boolean warmedUp() {
        return warmedUp;
    }

    /** True while the inference worker thread runs. */
    public boolean workerAlive() {
        return worker.isAlive();
    }

    @PreDestroy
    void close() {
        worker.close();
        fetchPool.shutdownNow();
    }
}
