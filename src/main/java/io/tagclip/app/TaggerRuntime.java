package io.tagclip.app;

import io.micrometer.core.instrument.MeterRegistry;
import io.tagclip.fetch.FetchSettings;
import io.tagclip.fetch.ObjectStore;
import io.tagclip.fetch.UriImageLoader;
import io.tagclip.objectstore.AzureBlobStore;
import io.tagclip.objectstore.AzureOptions;
import io.tagclip.objectstore.S3ObjectStore;
import io.tagclip.objectstore.S3Options;
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
import java.net.URI;
import java.net.URISyntaxException;
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
    private final S3ObjectStore s3;
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
        this.s3 = S3ObjectStore.withDefaultCredentials(s3Options(config.fetch().s3()), fetchSettings);
        ObjectStore azure = new AzureBlobStore(azureOptions(config.fetch().azure()), fetchSettings);
        this.batchTagger = new FetchingBatchTagger(
                new UriImageLoader(fetchSettings, List.of(s3, azure)), fetchPool, worker, metrics);
    }

    static S3Options s3Options(TaggerConfig.S3 s3) {
        return new S3Options(
                s3.endpoint().map(TaggerRuntime::endpoint),
                s3.pathStyle(),
                s3.region(),
                s3.allowedBuckets().orElse(List.of()));
    }

    static AzureOptions azureOptions(TaggerConfig.Azure azure) {
        azure.endpoint().ifPresent(e -> endpoint(e.replace(AzureOptions.ACCOUNT_PLACEHOLDER, "account")));
        return new AzureOptions(
                azure.connectionString(),
                azure.endpoint(),
                azure.allowedContainers().orElse(List.of()));
    }

    /** An endpoint setting as a URI with a scheme and a host, or a start-up failure naming it. */
    private static URI endpoint(String text) {
        URI uri;
        try {
            uri = new URI(text.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(
                    "object-store endpoint '" + text + "' is not a URI: " + e.getMessage(), e);
        }
        if (uri.getScheme() == null || uri.getHost() == null) {
            throw new IllegalArgumentException("object-store endpoint '" + text + "' needs a scheme and a host");
        }
        return uri;
    }

    static FetchSettings fetchSettings(TaggerConfig.Fetch f) {
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
                f.strictDecode());
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
        s3.close();
    }
}
