package io.tagclip.inference;

import io.tagclip.pipeline.Method;
import io.tagclip.pipeline.TaggingPipeline;

import io.tagclip.clip.ClipModel;
import io.tagclip.clip.PromptEnsemble;
import io.tagclip.baseline.CdulGlobalLocalScorer;
import io.tagclip.baseline.CdulParams;
import io.tagclip.baseline.ClipGlobalScorer;
import io.tagclip.vocab.TextTable;
import io.tagclip.vocab.Vocabularies;

/** Builds the {@link TaggingPipeline} of a method on a loaded {@link ClipModel}. */
public final class Pipelines {

    private Pipelines() {}

    /**
     * A pipeline running {@code method} on {@code model}. Text features use the reference's 85-template prompt
     * ensemble (CDUL: as {@link CdulParams#DEFAULTS} says); the baselines run at the model's own image size. A
     * method the model cannot run (TagCLIP on other than a ViT-B/16 layout, see {@link ModelFit}) is refused here and are computed once per vocabulary on first use. The
     * pipeline does not own the model: close the pipeline first, then the model.
     */
    public static TaggingPipeline open(ClipModel model, Method method, Vocabularies vocabularies,
            PipelineSettings settings) {
        return open(model, promptEnsemble(model), method, vocabularies, settings);
    }

    /** The reference's 85-template prompt ensemble of {@code model}. */
    public static TextTable.NameEmbedder promptEnsemble(ClipModel model) {
        return (names, manager) -> PromptEnsemble.embed(model, names, manager);
    }

    /**
     * {@link #open(ClipModel, Method, Vocabularies, PipelineSettings)} with the given prompt-ensemble embedder of the
     * same model (for instance one that remembers embeddings across pipelines).
     */
    public static TaggingPipeline open(ClipModel model, TextTable.NameEmbedder ensemble, Method method,
            Vocabularies vocabularies, PipelineSettings settings) {
        ModelFit.check(model.config(), model.modelId(), method, settings.params());
        int imageSize = model.config().imageSize();
        CdulParams cdul = CdulParams.DEFAULTS.withInputSize(imageSize);
        return switch (method) {
            case TAGCLIP -> new TagClipPipeline(new ClipModelBackbone(model), ensemble, model.modelId(),
                    model.revision(), vocabularies, settings, model.manager().newSubManager());
            case CLIP_GLOBAL -> new ScorerPipeline(method,
                    (vocabulary, manager) -> ClipGlobalScorer.forVocabulary(vocabulary, model::encodeImage, ensemble,
                            model.logitScale(), imageSize, manager),
                    model.modelId(), model.revision(), vocabularies, settings, "input=" + imageSize,
                    model.manager().newSubManager());
            case CDUL_GLOBAL_LOCAL -> new ScorerPipeline(method,
                    (vocabulary, manager) -> CdulGlobalLocalScorer.forVocabulary(vocabulary, model::encodeImage,
                            model::encodeTexts, ensemble, model.logitScale(), cdul, manager),
                    model.modelId(), model.revision(), vocabularies, settings, cdul.version(),
                    model.manager().newSubManager());
        };
    }
}
