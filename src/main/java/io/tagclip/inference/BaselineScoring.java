package io.tagclip.inference;

import ai.djl.ndarray.NDManager;
import io.tagclip.baseline.ImageBatchScorer;
import io.tagclip.batch.ShapeBuckets;
import io.tagclip.image.RgbImage;
import io.tagclip.pipeline.Box;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.Method;
import io.tagclip.vocab.ContentHash;
import io.tagclip.vocab.Vocabulary;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A whole-image baseline ({@code clip-global}, {@code cdul-global-local}) as a {@link BatchRunner.Scoring}: the
 * scorer gives each image one score per dataset class, and the same decision rule as TagCLIP's turns scores into
 * tags (relative threshold, per-label thresholds, floor, top-k, label subset). Baselines locate nothing, so tags
 * carry no box. Images of one vocabulary are scored in chunks of
 * {@link io.tagclip.batch.BatchingPolicy#maxImagesPerForward()}.
 */
final class BaselineScoring implements BatchRunner.Scoring<ImageBatchScorer, BaselineScoring.Image> {

    /** Builds the scorer of one vocabulary; its text features are owned by {@code manager}. */
    @FunctionalInterface
    interface ScorerFactory {
        ImageBatchScorer create(Vocabulary vocabulary, NDManager manager);
    }

    private final Method method;
    private final ScorerFactory factory;
    private final PipelineSettings settings;
    private final String paramsVersion;

    /**
     * @param method        the baseline, carried into provenance
     * @param factory       builds the scorer of a vocabulary
     * @param settings      decision rule ({@code params} supplies the relative tag threshold and the at-least-one
     *                      rule) and chunk size; boxes and mode do not apply
     * @param methodVersion version of the scorer's own parameters (e.g. {@code CdulParams.version()})
     */
    BaselineScoring(Method method, ScorerFactory factory, PipelineSettings settings, String methodVersion) {
        this.method = Objects.requireNonNull(method, "method");
        this.factory = Objects.requireNonNull(factory, "factory");
        this.settings = Objects.requireNonNull(settings, "settings");
        if (method == Method.TAGCLIP) {
            throw new IllegalArgumentException("method " + method + " runs in TagClipScoring, not BaselineScoring");
        }
        // cdul: the head's own version stays readable, so consumers can tell which head answered
        String readable = method == Method.CDUL ? methodVersion + ":" : "";
        this.paramsVersion = readable
                + ContentHash.of(method + "|" + methodVersion + "|relative="
                        + settings.params().tagRelativeThreshold() + "|atLeastOne="
                        + settings.params().atLeastOneTag()
                        + "|" + settings.decision());
    }

    /** One image and its vocabulary's scorer; its scores once scored. */
    static final class Image {
        final RgbImage rgb;
        final ImageBatchScorer scorer;
        float[] scores;

        Image(RgbImage rgb, ImageBatchScorer scorer) {
            this.rgb = rgb;
            this.scorer = scorer;
        }
    }

    @Override
    public Method method() {
        return method;
    }

    @Override
    public String paramsVersion() {
        return paramsVersion;
    }

    @Override
    public ImageBatchScorer textSide(Vocabulary vocabulary, NDManager manager) {
        return factory.create(vocabulary, manager);
    }

    @Override
    public Image prepare(ImageRequest request, Vocabulary vocabulary, ImageBatchScorer scorer) {
        return new Image(request.image(), scorer);
    }

    @Override
    public void score(List<BatchRunner.Job<Image>> jobs, BatchRunner.Forwards<Image> forwards) {
        for (List<Integer> group :
                ShapeBuckets.group(jobs, job -> job.vocabulary().id())) {
            List<BatchRunner.Job<Image>> members = group.stream().map(jobs::get).toList();
            for (List<BatchRunner.Job<Image>> chunk :
                    ShapeBuckets.chunks(members, settings.batching().maxImagesPerForward())) {
                forwards.together(chunk, BaselineScoring::scoreChunk);
            }
        }
    }

    /** Scores images of one vocabulary in one call of its scorer. */
    private static void scoreChunk(List<Image> images, NDManager scope) {
        ImageBatchScorer scorer = images.get(0).scorer;
        int c = scorer.numClasses();
        float[] flat = scorer.score(images.stream().map(image -> image.rgb).toList(), scope)
                .toFloatArray(); // [B,C] row-major
        for (int i = 0; i < images.size(); i++) {
            images.get(i).scores = Arrays.copyOfRange(flat, i * c, (i + 1) * c);
        }
    }

    @Override
    public float[] scores(Image image) {
        return image.scores;
    }

    @Override
    public Box box(Image image, int c) {
        return null;
    }
}
