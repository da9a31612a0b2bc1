package io.tagclip.app;

import io.micrometer.core.instrument.MeterRegistry;
import io.tagclip.fetch.DecodeBudget;
import io.tagclip.fetch.FetchException;
import io.tagclip.fetch.FetchSettings;
import io.tagclip.fetch.ObjectStore;
import io.tagclip.fetch.UriImageLoader;
import io.tagclip.image.RgbImage;
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
    private final UriImageLoader loader;
    private final S3ObjectStore s3;
    private volatile boolean warmedUp;

    @Inject
    public TaggerRuntime(
            TaggerConfig config,
            Instance<TaggingPipeline> pipelines,
            MeterRegistry registry,
            FleetVocabularies vocabularies,
            StartupProgress progress) {
        ConfigCheck.refuseIfWrong(config);
        progress.phase("loading the model");
        if (pipelines.isUnsatisfied() || pipelines.isAmbiguous()) {
            throw new IllegalStateException("expected exactly one CDI bean implementing "
                    + TaggingPipeline.class.getName() + ", found " + (pipelines.isUnsatisfied() ? "none" : "several"));
        }
        TaggingPipeline pipeline = pipelines.get();
        progress.phase("warming up (text features)");
        long start = System.nanoTime();
        pipeline.warmUp();
        LOG.infof(
                "pipeline %s warmed up in %d ms",
                pipeline.getClass().getSimpleName(), (System.nanoTime() - start) / 1_000_000);
        this.warmedUp = true;
        progress.started();
        this.metrics = new TaggerMetrics(registry);
        this.fetchSettings = fetchSettings(config.fetch());
        TaggerConfig.Batch batch = config.batch();
        this.worker = new InferenceWorker(
                pipeline, batch.queueCapacity(), batch.maxImagesPerCall(), batch.inferenceTimeout(), metrics);
        registry.gauge("tagger.inference.queued.batches", worker, InferenceWorker::queuedBatches);
        this.fetchPool = fetchPool(config.fetch().threads());
        this.s3 = S3ObjectStore.withDefaultCredentials(s3Options(config.fetch().s3()), fetchSettings);
        ObjectStore azure = new AzureBlobStore(azureOptions(config.fetch().azure()), fetchSettings);
        int keepLongSide = PipelineProducer.keepLongSide(config.model());
        this.loader = new UriImageLoader(fetchSettings, List.of(s3, azure), keepLongSide);
        LOG.infof(
                "decoding: at most %d bytes of decoded pixels at once (tagger.fetch.max-decoded-bytes), %d ms per image"
                        + " (tagger.fetch.decode-timeout), %s",
                fetchSettings.maxDecodedBytes(),
                fetchSettings.decodeTimeout().toMillis(),
                keepLongSide == 0
                        ? "every image at full size"
                        : "images of a long side of " + 4 * keepLongSide + " or more subsampled");
        registry.gauge("tagger.fetch.decode.reserved.bytes", loader.budget(), DecodeBudget::reserved);
        registry.gauge("tagger.fetch.decode.abandoned", loader, UriImageLoader::abandonedDecodes);
        this.batchTagger = new FetchingBatchTagger(loader, fetchPool, worker, metrics, vocabularies.fleet());
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

    /** An endpoint setting as an http(s) URI with a host, or a start-up failure naming it. */
    static URI endpoint(String text) {
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
        if (!uri.getScheme().equalsIgnoreCase("http") && !uri.getScheme().equalsIgnoreCase("https")) {
            throw new IllegalArgumentException(
                    "object-store endpoint '" + text + "' must be http:// or https://, not " + uri.getScheme());
        }
        return uri;
    }

    /** The fetch settings of a configuration {@link ConfigCheck} has passed. */
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
                f.strictDecode(),
                f.maxJpegScans(),
                f.decodeTimeout(),
                maxDecodedBytes(f.maxDecodedBytes(), Runtime.getRuntime().maxMemory()));
    }

    /**
     * {@code tagger.fetch.max-decoded-bytes}: a number of bytes, or a percentage ({@code 25%}) of {@code maxHeap}.
     *
     * @throws IllegalArgumentException naming the key and the value when it is neither, or not positive
     */
    static long maxDecodedBytes(String value, long maxHeap) {
        String text = value.strip();
        try {
            if (text.endsWith("%")) {
                double percent =
                        Double.parseDouble(text.substring(0, text.length() - 1).strip());
                if (percent > 0 && percent <= 100) {
                    return Math.max(1, (long) (maxHeap / 100.0 * percent));
                }
            } else {
                long bytes = Long.parseLong(text);
                if (bytes > 0) {
                    return bytes;
                }
            }
        } catch (NumberFormatException e) {
            // named below
        }
        throw new IllegalArgumentException("tagger.fetch.max-decoded-bytes: '" + value + "' is neither a positive"
                + " number of bytes nor a percentage of the max heap in (0%, 100%], such as 25%");
    }

    private static ExecutorService fetchPool(int threads) {
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

    /**
     * Decodes an upload at full size as fetched images are decoded: the same limits, and within the same memory budget
     * and deadline as the fetch threads' decodes.
     */
    public RgbImage decodeUpload(byte[] bytes, String source, String claimedType)
            throws FetchException, InterruptedException {
        return loader.decodeFullSize(bytes, source, claimedType);
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
