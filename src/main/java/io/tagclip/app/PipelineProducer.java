package io.tagclip.app;

import io.tagclip.clip.ClipLoader;
import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import io.micrometer.core.instrument.MeterRegistry;
import io.tagclip.batch.BatchingPolicy;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.ClipOptions;
import io.tagclip.clip.HubOptions;
import io.tagclip.clip.ModelLocator;
import io.tagclip.clip.ModelSource;
import io.tagclip.pipeline.Method;
import io.tagclip.inference.PipelineSettings;
import io.tagclip.inference.Pipelines;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.streams.TaggerMetrics;
import io.tagclip.vocab.Vocabularies;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/** The real pipeline, built from {@code tagger.model.*}: locate (or download) the model, load it, open the method. */
public class PipelineProducer {

    private static final Logger LOG = Logger.getLogger(PipelineProducer.class);

    @Produces
    @Singleton
    ClipModel model(TaggerConfig config, MeterRegistry registry) {
        TaggerConfig.Model m = config.model();
        ModelSource source = m.path()
                .map(folder -> new ModelSource(folder, folder.getFileName().toString(), null))
                .orElseGet(() -> new ModelLocator(
                        HubOptions.defaults().withRevision(m.revision()).withOffline(m.offline())
                                .withToken(System.getenv(HubOptions.TOKEN_VARIABLE))).locate(m.id()));
        ClipModel model = ClipLoader.load(source, ClipOptions.parse(m.device(), m.precision()));
        LOG.infof("model %s (revision %s) loaded on %s", model.modelId(), model.revision(), model.device());
        if (model.device().isGpu()) {
            Device gpu = model.device();
            TaggerMetrics.gpuMemory(registry, gpu.toString(), () -> CudaUtils.getGpuMemory(gpu).getUsed(),
                    () -> CudaUtils.getGpuMemory(gpu).getMax());
        }
        return model;
    }

    @Produces
    @Singleton
    TaggingPipeline pipeline(ClipModel model, TaggerConfig config) {
        TaggerConfig.Model m = config.model();
        Vocabularies.Resolved vocabularies = Vocabularies.builtIn().resolve(m.vocabulary());
        PipelineSettings settings = PipelineSettings.reference(vocabularies.named().id()).withBoxes(m.boxes())
                .withMode(PipelineSettings.Mode.of(m.mode()))
                .withBatching(BatchingPolicy.DEFAULT.withMaxImagesPerForward(config.batch().maxImagesPerCall()));
        return Pipelines.open(model, Method.of(m.method()), vocabularies.all(), settings);
    }

    void close(@Disposes TaggingPipeline pipeline) {
        pipeline.close();
    }

    void close(@Disposes ClipModel model) {
        model.close();
    }
}
