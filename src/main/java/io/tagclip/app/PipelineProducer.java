package io.tagclip.app;

import io.tagclip.clip.ClipLoader;
import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tagclip.batch.BatchingPolicy;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.ClipOptions;
import io.tagclip.clip.DownloadListener;
import io.tagclip.clip.DownloadProgress;
import io.tagclip.clip.HubOptions;
import io.tagclip.clip.ModelLocator;
import io.tagclip.clip.ModelSource;
import io.tagclip.pipeline.Method;
import io.tagclip.inference.PipelineSettings;
import io.tagclip.inference.Pipelines;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.tagging.DecisionOptions;
import io.tagclip.tagging.TagClipParams;
import io.tagclip.vocab.Vocabularies;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/** The real pipeline, built from {@code tagger.model.*}: locate (or download) the model, load it, open the method. */
public class PipelineProducer {

    private static final Logger LOG = Logger.getLogger(PipelineProducer.class);

    @Produces
    @Singleton
    ClipModel model(TaggerConfig config, MeterRegistry registry) {
        TaggerConfig.Model m = config.model();
        HubOptions hub = HubOptions.defaults();
        ModelLocator locator = new ModelLocator(hub.withRevision(m.revision()).withOffline(m.offline() || hub.offline()),
                new TenPercentLog());
        ModelSource source = locator.locate(m.path().map(Path::toString).orElse(m.id()));
        ClipModel model = ClipLoader.load(source, ClipOptions.parse(m.device(), m.precision()));
        LOG.infof("model %s (revision %s) loaded on %s", model.modelId(), model.revision(), model.device());
        if (model.device().isGpu()) {
            Device gpu = model.device();
            Gauge.builder("tagger.gpu.memory.used", () -> CudaUtils.getGpuMemory(gpu).getUsed())
                    .description("GPU memory in use on the model's device (all processes)")
                    .baseUnit("bytes").tag("device", gpu.toString()).register(registry);
            Gauge.builder("tagger.gpu.memory.total", () -> CudaUtils.getGpuMemory(gpu).getMax())
                    .description("GPU memory of the model's device").baseUnit("bytes").tag("device", gpu.toString())
                    .register(registry);
        }
        return model;
    }

    @Produces
    @Singleton
    TaggingPipeline pipeline(ClipModel model, TaggerConfig config) {
        TaggerConfig.Model m = config.model();
        Vocabularies.Resolved vocabularies = Vocabularies.builtIn().resolve(m.vocabulary());
        PipelineSettings settings = new PipelineSettings(vocabularies.named().id(), TagClipParams.REFERENCE,
                DecisionOptions.REFERENCE, m.boxes(), PipelineSettings.Mode.of(m.mode()),
                BatchingPolicy.DEFAULT.withMaxImagesPerForward(config.batch().maxImagesPerCall()));
        return Pipelines.open(model, Method.of(m.method()), vocabularies.all(), settings);
    }

    /** Logs each file of a model download at every further 10 % (and when it is complete). */
    static final class TenPercentLog implements DownloadListener {

        /** Steps of the log: one line per tenth of a file. */
        static final int STEPS = 10;

        private final Map<String, Integer> logged = new HashMap<>();

        @Override
        public void onProgress(DownloadProgress progress) {
            int step = progress.done() ? STEPS
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
