package io.tagclip.app;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.util.cuda.CudaUtils;
import io.micrometer.core.instrument.MeterRegistry;
import io.tagclip.batch.BatchingPolicy;
import io.tagclip.cdul.TrainedHead;
import io.tagclip.clip.ClipLoader;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.ClipOptions;
import io.tagclip.clip.ModelSource;
import io.tagclip.clip.PromptEnsemble;
import io.tagclip.hub.DownloadListener;
import io.tagclip.hub.DownloadProgress;
import io.tagclip.hub.HubOptions;
import io.tagclip.hub.ModelLocator;
import io.tagclip.image.RgbImage;
import io.tagclip.inference.FirstPassBudget;
import io.tagclip.inference.NativeAllocator;
import io.tagclip.inference.NativeThreads;
import io.tagclip.inference.OnlineCdulPipeline;
import io.tagclip.inference.OnlineSettings;
import io.tagclip.inference.PipelineSettings;
import io.tagclip.inference.Pipelines;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.Method;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.streams.TaggerMetrics;
import io.tagclip.vocab.TextFeatureCache;
import io.tagclip.vocab.TextTable;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/** The real pipeline, built from {@code tagger.model.*}: locate (or download) the model, load it, open the method. */
public class PipelineProducer {

    private static final Logger LOG = Logger.getLogger(PipelineProducer.class);

    /** How throughput mode sizes images; {@link #keepLongSide} tells the fetcher the long side it keeps. */
    private static final BatchingPolicy SIZING = BatchingPolicy.DEFAULT;

    /** The key of the first-pass memory budget. */
    static final String MAX_FIRST_PASS_BYTES = "tagger.model.max-first-pass-bytes";

    /** Side of the grey image that makes a vocabulary's text features at start; any size the model accepts works. */
    private static final int WARM_UP_SIDE = 32;

    @Produces
    @Singleton
    ClipModel model(TaggerConfig config, MeterRegistry registry) {
        ConfigCheck.refuseIfWrong(config);
        TaggerConfig.Model m = config.model();
        HubOptions hub = HubOptions.defaults();
        ModelLocator locator = new ModelLocator(
                hub.withRevision(m.revision()).withOffline(m.offline() || hub.offline()), new TenPercentLog());
        ModelSource source = locator.locate(m.path().map(Path::toString).orElse(m.id()));
        // Reference mode promises the official code's float32 results, so auto means fp16 only in throughput mode.
        boolean reference = PipelineSettings.Mode.of(m.mode()) == PipelineSettings.Mode.REFERENCE;
        String precision = reference && m.precision().equalsIgnoreCase("auto") ? "fp32" : m.precision();
        int threads = NativeThreads.configure();
        ClipOptions options = ClipOptions.parse(m.device(), precision);
        if (options.device() != null
                && options.device().isGpu()
                && Engine.getInstance().getGpuCount() == 0) {
            throw new IllegalArgumentException("tagger.model.device=gpu: libtorch sees no GPU here (a CUDA driver the"
                    + " image's libtorch can use, and the GPU passed to the container, are needed); auto falls back to"
                    + " the CPU");
        }
        ClipModel model = ClipLoader.load(source, options);
        LOG.infof("model %s (revision %s) loaded on %s", model.modelId(), model.revision(), model.device());
        NativeAllocator.warning(model.device()).ifPresent(LOG::warn);
        NativeThreads.warning(model.device()).ifPresent(LOG::warn);
        if (!model.device().isGpu()) {
            LOG.infof("libtorch intra-op threads: %d (the CPUs this JVM may use)", threads);
        }
        if (model.device().isGpu()) {
            Device gpu = model.device();
            TaggerMetrics.gpuMemory(
                    registry,
                    gpu.toString(),
                    () -> CudaUtils.getGpuMemory(gpu).getUsed(),
                    () -> CudaUtils.getGpuMemory(gpu).getMax());
        }
        return model;
    }

    @Produces
    @Singleton
    TaggingPipeline pipeline(ClipModel model, TaggerConfig config, TextFeatureStatus status) {
        TaggerConfig.Model m = config.model();
        Vocabularies.Resolved vocabularies = Vocabularies.builtIn().resolve(m.vocabulary());
        PipelineSettings settings = PipelineSettings.reference(
                        vocabularies.named().id())
                .withBoxes(m.boxes())
                .withMode(PipelineSettings.Mode.of(m.mode()))
                .withExtraLabelNames(m.extraLabelCache())
                .withBatching(SIZING.withMaxImagesPerForward(config.batch().maxImagesPerCall())
                        .forDevice(model.device().isGpu()))
                .withFirstPassBudget(firstPassBudget(m));
        LOG.infof(
                "first-pass memory budget: %s (%s); larger images become TOO_LARGE dead letters",
                settings.firstPassBudget().describe(model.device()), MAX_FIRST_PASS_BYTES);
        TextFeatureCache cache =
                new TextFeatureCache(m.textCacheDir().orElseGet(TextFeatureCache::defaultDirectory), status);
        TextTable.NameEmbedder ensemble = cache.cached(
                Pipelines.promptEnsemble(model, status), TextFeatureCache.Key.of(model, PromptEnsemble.definition()));
        Method method = Method.of(m.method()); // ConfigCheck has matched it with masks, online and head
        TaggerConfig.Online online = config.online();
        if (method == Method.CDUL) {
            return cdul(model, ensemble, m, online, vocabularies, settings, status);
        }
        TaggingPipeline pipeline = Pipelines.open(model, ensemble, method, vocabularies.all(), settings);
        // Text features come from the plain tagger: preparing them needs no segmentation of the warm-up image.
        TaggingPipeline served = m.masks()
                ? Pipelines.withMasks(pipeline, model, vocabularies.all(), settings.firstPassBudget())
                : pipeline;
        return prepared(served, pipeline, vocabularies.all(), status);
    }

    /** {@code tagger.model.max-first-pass-bytes}, or an error naming the key and the value. */
    static FirstPassBudget firstPassBudget(TaggerConfig.Model m) {
        try {
            return FirstPassBudget.parse(m.maxFirstPassBytes());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    MAX_FIRST_PASS_BYTES + "=" + m.maxFirstPassBytes() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The longest side the pipeline keeps of an image, so that the fetcher may decode a far larger image subsampled
     * towards it ({@link io.tagclip.fetch.ImageDecoder#plan}): throughput mode scales every image down to the sizing
     * policy's long side (768); reference mode keeps every pixel, and so do boxes and masks, which are given in the
     * image's original pixels: 0 (decode at full size) for those.
     */
    static int keepLongSide(TaggerConfig.Model m) {
        boolean throughput = PipelineSettings.Mode.of(m.mode()) == PipelineSettings.Mode.THROUGHPUT;
        return throughput && !m.boxes() && !m.masks() ? SIZING.maxLongSide() : 0;
    }

    /**
     * Method cdul: the head of {@code tagger.model.head} alone (events may name only its vocabulary), or, with online
     * training, the {@link OnlineCdulPipeline} whose teacher answers until a head is in service and answers the
     * other vocabularies' events.
     */
    private static TaggingPipeline cdul(
            ClipModel model,
            TextTable.NameEmbedder ensemble,
            TaggerConfig.Model m,
            TaggerConfig.Online online,
            Vocabularies.Resolved vocabularies,
            PipelineSettings settings,
            TextFeatureStatus status) {
        TrainedHead head = m.head().map(TrainedHead::load).orElse(null);
        if (head != null) {
            LOG.infof(
                    "cdul head %s (teacher %s, %d samples) from %s",
                    head.manifest().version(),
                    head.manifest().teacher(),
                    head.manifest().trainingSamples(),
                    m.head().get());
        }
        if (!online.enabled()) {
            Vocabularies only = Vocabularies.of(List.of(vocabularies.named()));
            TaggingPipeline pipeline = Pipelines.cdul(model, head, only, settings);
            return prepared(pipeline, pipeline, only, status);
        }
        OnlineSettings routing = new OnlineSettings(
                Method.of(online.teacher()), online.sampleRate(), online.bandLow(), online.bandHigh());
        OnlineCdulPipeline pipeline = Pipelines.online(model, ensemble, vocabularies.all(), settings, routing, head);
        return prepared(pipeline, pipeline.teacher(), vocabularies.all(), status);
    }

    /** {@code pipeline} once {@code embedder} has the text features of every vocabulary; closed if that fails. */
    private static TaggingPipeline prepared(
            TaggingPipeline pipeline, TaggingPipeline embedder, Vocabularies vocabularies, TextFeatureStatus status) {
        try {
            embedAll(embedder, vocabularies, status);
        } catch (RuntimeException e) {
            pipeline.close();
            throw e;
        }
        return pipeline;
    }

    /**
     * Gives every vocabulary of {@code vocabularies} its text features (from the cache, or computed) by tagging one
     * small image that names it. Events may name only these vocabularies (any other becomes an
     * {@code UNKNOWN_VOCABULARY} dead letter) and a label subset reuses its vocabulary's features, so after this no
     * flush ever embeds text.
     *
     * @throws IllegalStateException naming the vocabulary whose features could not be made
     */
    static void embedAll(TaggingPipeline pipeline, Vocabularies vocabularies, TextFeatureStatus status) {
        List<Vocabulary> all = vocabularies.all();
        byte[] grey = new byte[WARM_UP_SIDE * WARM_UP_SIDE * 3];
        Arrays.fill(grey, (byte) 128);
        RgbImage image = new RgbImage(WARM_UP_SIDE, WARM_UP_SIDE, grey);
        for (int i = 0; i < all.size(); i++) {
            String id = all.get(i).id();
            status.preparing(id, i + 1, all.size());
            TagResult result = pipeline.tag(List.of(new ImageRequest("text-features-" + id, image, id, List.of())))
                    .get(0);
            if (result instanceof TagResult.Failed failed) {
                throw new IllegalStateException("cannot prepare vocabulary '" + id + "': " + failed.message());
            }
        }
        status.ready(all.size());
    }

    /** Logs each file of a model download at every further 10 % (and when it is complete). */
    static final class TenPercentLog implements DownloadListener {

        /** Steps of the log: one line per tenth of a file. */
        static final int STEPS = 10;

        private final Map<String, Integer> logged = new HashMap<>();

        @Override
        public void onProgress(DownloadProgress progress) {
            int step = progress.done()
                    ? STEPS
                    : progress.fraction() < 0 ? -1 : (int) Math.floor(progress.fraction() * STEPS);
            Integer before = logged.get(progress.file());
            if (before == null || step > before) {
                logged.put(progress.file(), step);
                LOG.infof("downloading %s: %s", progress.modelId(), progress.describe());
            }
        }
    }

    void close(@Disposes TaggingPipeline pipeline) {
        pipeline.close();
    }

    void close(@Disposes ClipModel model) {
        model.close();
    }
}
