package io.tagclip.inference;

import ai.djl.ndarray.NDManager;
import io.tagclip.baseline.CdulGlobalLocalScorer;
import io.tagclip.baseline.CdulParams;
import io.tagclip.baseline.ClipGlobalScorer;
import io.tagclip.cdul.HeadScorer;
import io.tagclip.cdul.TrainedHead;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.PromptEnsemble;
import io.tagclip.clip.TextProgress;
import io.tagclip.pipeline.Method;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.tagging.TagClipBackbone;
import io.tagclip.vocab.NameFeatureLru;
import io.tagclip.vocab.TextTable;
import io.tagclip.vocab.Vocabularies;

/** Builds the {@link TaggingPipeline} of a method: its {@link BatchRunner.Scoring} plugged into a runner. */
public final class Pipelines {

    private Pipelines() {}

    /**
     * A pipeline running {@code method} on {@code model}. Text features use the reference's 85-template prompt
     * ensemble (CDUL: as {@link CdulParams#DEFAULTS} says); the baselines run at the model's own image size. A
     * method the model cannot run (TagCLIP on other than a ViT-B/16 layout, see {@link ModelFit}) is refused here and are computed once per vocabulary on first use. The
     * pipeline does not own the model: close the pipeline first, then the model.
     */
    public static TaggingPipeline open(
            ClipModel model, Method method, Vocabularies vocabularies, PipelineSettings settings) {
        return open(model, promptEnsemble(model), method, vocabularies, settings);
    }

    /** The reference's 85-template prompt ensemble of {@code model}. */
    public static TextTable.NameEmbedder promptEnsemble(ClipModel model) {
        return promptEnsemble(model, TextProgress.NONE);
    }

    /** {@link #promptEnsemble(ClipModel)} telling {@code progress} how many prompts are encoded. */
    public static TextTable.NameEmbedder promptEnsemble(ClipModel model, TextProgress progress) {
        return (names, manager) -> PromptEnsemble.embed(model, names, manager, progress);
    }

    /**
     * {@link #open(ClipModel, Method, Vocabularies, PipelineSettings)} with the given prompt-ensemble embedder of the
     * same model (for instance one that remembers embeddings across pipelines).
     */
    public static TaggingPipeline open(
            ClipModel model,
            TextTable.NameEmbedder ensemble,
            Method method,
            Vocabularies vocabularies,
            PipelineSettings settings) {
        ModelFit.check(model.config(), model.modelId(), method, settings.params());
        int imageSize = model.config().imageSize();
        CdulParams cdul = CdulParams.DEFAULTS.withInputSize(imageSize);
        BatchRunner.Scoring<?, ?> scoring = switch (method) {
            case TAGCLIP ->
                new TagClipScoring(
                        new ClipModelBackbone(model),
                        ensemble,
                        settings,
                        settings.firstPassBudget().resolve(model.device()),
                        new NameFeatureLru(promptEnsemble(model), settings.extraLabelNames()));
            case CLIP_GLOBAL ->
                new BaselineScoring(
                        method,
                        (vocabulary, owner) -> ClipGlobalScorer.forVocabulary(
                                vocabulary, model::encodeImage, ensemble, model.logitScale(), imageSize, owner),
                        settings,
                        "input=" + imageSize);
            case CDUL_GLOBAL_LOCAL ->
                new BaselineScoring(
                        method,
                        (vocabulary, owner) -> CdulGlobalLocalScorer.forVocabulary(
                                vocabulary,
                                model::encodeImage,
                                model::encodeTexts,
                                ensemble,
                                model.logitScale(),
                                cdul,
                                owner),
                        settings,
                        cdul.version());
            case CDUL ->
                throw new IllegalArgumentException("method cdul needs a trained head (a folder written by 'tagclip"
                        + " train --method cdul'): the command line takes it as --head HEAD_DIR, the service as"
                        + " tagger.model.head (or tagger.online.enabled=true to learn one from the stream)");
        };
        return new BatchRunner<>(
                scoring,
                model.modelId(),
                model.revision(),
                vocabularies,
                settings,
                model.manager().newSubManager());
    }

    /**
     * CDUL's inference stage on {@code model}: one global pass at the model's image size plus {@code head}. The head
     * must have been trained on this model (id, revision, image size, embedding width), and every request's
     * vocabulary must be the head's; results carry the head's version in their parameters version.
     */
    public static TaggingPipeline cdul(
            ClipModel model, TrainedHead head, Vocabularies vocabularies, PipelineSettings settings) {
        int imageSize = model.config().imageSize();
        head.checkModel(
                model.modelId(), model.revision(), imageSize, model.config().embedDim());
        head.checkVocabulary(vocabularies.get(settings.defaultVocabulary()));
        BaselineScoring scoring = new BaselineScoring(
                Method.CDUL,
                (vocabulary, owner) -> {
                    head.checkVocabulary(vocabulary);
                    return new HeadScorer(model::encodeImage, head.head(), imageSize);
                },
                settings,
                "head=" + head.manifest().version());
        return new BatchRunner<>(
                scoring,
                model.modelId(),
                model.revision(),
                vocabularies,
                settings,
                model.manager().newSubManager());
    }

    /**
     * CDUL learning from the stream ({@link OnlineCdulPipeline}): {@code online.teacher()} labels a sample, a head
     * trained on it answers once one is accepted.
     *
     * @param ensemble the prompt-ensemble embedder of the teacher
     * @param initial  the head to start with, or {@code null} to start with the teacher answering
     */
    public static OnlineCdulPipeline online(
            ClipModel model,
            TextTable.NameEmbedder ensemble,
            Vocabularies vocabularies,
            PipelineSettings settings,
            OnlineSettings online,
            TrainedHead initial) {
        TaggingPipeline teacher = open(model, ensemble, online.teacher(), vocabularies, settings);
        try {
            return new OnlineCdulPipeline(
                    model,
                    teacher,
                    head -> cdul(model, head, vocabularies, settings),
                    vocabularies,
                    settings,
                    online,
                    initial);
        } catch (RuntimeException e) {
            teacher.close();
            throw e;
        }
    }

    /**
     * TagCLIP on any backbone (tests and benchmarks pass random or counting ones).
     *
     * @param embedder      prompt-ensemble text embedder of the same model (extra labels are embedded with it too)
     * @param modelId       model identifier for provenance
     * @param modelRevision model revision for provenance
     * @param manager       owner of the cached text features, on the model's device (closed with the pipeline); a
     *                      share-of-memory first-pass budget is taken of its device's memory
     */
    public static TaggingPipeline tagClip(
            TagClipBackbone backbone,
            TextTable.NameEmbedder embedder,
            String modelId,
            String modelRevision,
            Vocabularies vocabularies,
            PipelineSettings settings,
            NDManager manager) {
        return new BatchRunner<>(
                new TagClipScoring(
                        backbone,
                        embedder,
                        settings,
                        settings.firstPassBudget().resolve(manager.getDevice()),
                        new NameFeatureLru(embedder, settings.extraLabelNames())),
                modelId,
                modelRevision,
                vocabularies,
                settings,
                manager);
    }

    /**
     * {@code pipeline} followed by classify-then-segment: every tag of a tagged image gets its CLIP-ES mask
     * ({@link MaskingPipeline}). {@code model} must be the model the pipeline tags with.
     */
    public static TaggingPipeline withMasks(TaggingPipeline pipeline, ClipModel model, Vocabularies vocabularies) {
        return withMasks(pipeline, model, vocabularies, FirstPassBudget.DEFAULT);
    }

    /**
     * {@link #withMasks(TaggingPipeline, ClipModel, Vocabularies)} refusing an image whose Grad-CAM pass would exceed
     * {@code budget} on the model's device ({@link io.tagclip.pipeline.FailureKind#TOO_LARGE}).
     */
    public static TaggingPipeline withMasks(
            TaggingPipeline pipeline, ClipModel model, Vocabularies vocabularies, FirstPassBudget budget) {
        return new MaskingPipeline(pipeline, model, vocabularies, budget.resolve(model.device()));
    }
}
