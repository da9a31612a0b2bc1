package io.tagclip.baseline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tagclip.image.RgbImage;
import io.tagclip.preprocess.ClipTransform;
import io.tagclip.preprocess.ZeroShotTransform;
import io.tagclip.vocab.TextTable;
import io.tagclip.vocab.Vocabulary;
import java.util.List;
import java.util.Objects;

/**
 * Baseline {@code clip-global}: standard CLIP zero-shot classification of the whole image (Radford et al., 2021),
 * the "CLIP" row TagCLIP compares against. The image is squashed to the model's image size (224×224 for ViT-B/16;
 * bicubic, no crop: {@code clip._transform(224)} of TagCLIP's vendored CLIP), encoded to its class-token embedding,
 * normalised, and scored with {@code softmax_C(τ · f · Tᵀ)} over the C dataset classes only (no background
 * classes), with T the prompt-ensemble text features and τ = {@code exp(logit_scale)}. The C scores of an image sum
 * to 1, so this ranks classes well within an image but is a single-label model at heart.
 */
public final class ClipGlobalScorer implements ImageBatchScorer {

    /** Input side of CLIP ViT-B/16 (its training resolution), used as is by {@code clip._transform(224)}. */
    public static final int INPUT_SIZE = 224;

    private final ImageEncoder encoder;
    private final NDArray textFeatures;
    private final float logitMultiplier;
    private final int inputSize;

    /** A scorer at ViT-B/16's {@value #INPUT_SIZE} px. */
    public ClipGlobalScorer(ImageEncoder encoder, NDArray textFeatures, float logitMultiplier) {
        this(encoder, textFeatures, logitMultiplier, INPUT_SIZE);
    }

    /**
     * @param encoder CLIP's plain image embedding ({@code ClipModel::encodeImage})
     * @param textFeatures {@code [C,E]} L2-normalised class features of the C dataset classes, in class order
     *     (TagCLIP's 85-template ensemble, {@code PromptEnsemble.embed}); kept, not copied
     * @param logitMultiplier τ = {@code exp(logit_scale)} of the checkpoint ({@code ClipModel.logitScale()})
     * @param inputSize the side images are squashed to: the model's own image size ({@code clip._transform(n_px)}
     *     with the model's {@code input_resolution}: 224 for B/16, B/32 and L/14, 336 for L/14-336)
     */
    public ClipGlobalScorer(ImageEncoder encoder, NDArray textFeatures, float logitMultiplier, int inputSize) {
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.textFeatures = Objects.requireNonNull(textFeatures, "textFeatures");
        ZeroShot.checkMatrix(textFeatures, "text features");
        if (!(logitMultiplier > 0) || !Float.isFinite(logitMultiplier)) {
            throw new IllegalArgumentException("logit multiplier must be positive and finite, got " + logitMultiplier);
        }
        this.logitMultiplier = logitMultiplier;
        if (inputSize <= 0) {
            throw new IllegalArgumentException("input size must be positive, got " + inputSize);
        }
        this.inputSize = inputSize;
    }

    /**
     * A scorer for the dataset classes of {@code vocabulary} (its background classes are left out: plain CLIP
     * zero-shot has none).
     *
     * @param ensemble the prompt-ensemble embedder ({@code PromptEnsemble.embed})
     * @param manager owns the text features; must outlive the scorer
     */
    public static ClipGlobalScorer forVocabulary(
            Vocabulary vocabulary,
            ImageEncoder encoder,
            TextTable.NameEmbedder ensemble,
            float logitMultiplier,
            NDManager manager) {
        return forVocabulary(vocabulary, encoder, ensemble, logitMultiplier, INPUT_SIZE, manager);
    }

    /** {@link #forVocabulary(Vocabulary, ImageEncoder, TextTable.NameEmbedder, float, NDManager)} at another size. */
    public static ClipGlobalScorer forVocabulary(
            Vocabulary vocabulary,
            ImageEncoder encoder,
            TextTable.NameEmbedder ensemble,
            float logitMultiplier,
            int inputSize,
            NDManager manager) {
        Vocabulary datasetOnly = new Vocabulary(vocabulary.id(), vocabulary.classes(), List.of());
        return new ClipGlobalScorer(
                encoder, TextTable.build(datasetOnly, ensemble, manager), logitMultiplier, inputSize);
    }

    @Override
    public int numClasses() {
        return Math.toIntExact(textFeatures.getShape().get(0));
    }

    /** The normalised {@code [3,224,224]} input of one image, channel-major. */
    public static float[] preprocess(RgbImage image) {
        return preprocess(image, INPUT_SIZE);
    }

    /** The normalised {@code [3,S,S]} input of one image at side {@code size}, channel-major. */
    public static float[] preprocess(RgbImage image, int size) {
        return ClipTransform.normalize(ZeroShotTransform.squash(image, size));
    }

    /** Side of the square inputs this scorer feeds the model. */
    public int inputSize() {
        return inputSize;
    }

    /**
     * Scores decoded images in one forward.
     *
     * @return {@code [B,C]} probabilities, owned by {@code manager}
     */
    @Override
    public NDArray score(List<RgbImage> images, NDManager manager) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images to score");
        }
        int plane = 3 * inputSize * inputSize;
        float[] pixels = new float[images.size() * plane];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(preprocess(images.get(i), inputSize), 0, pixels, i * plane, plane);
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray input = scope.create(pixels, new Shape(images.size(), 3, inputSize, inputSize)); // [B,3,S,S]
            NDArray scores = scoreInputs(input); // [B,C]
            scores.attach(manager);
            return scores;
        }
    }

    /**
     * Scores preprocessed inputs.
     *
     * @param inputs {@code [B,3,S,S]} normalised pixels, S = {@link #inputSize()}
     * @return {@code [B,C]} probabilities, owned by the manager of {@code inputs}
     */
    public NDArray scoreInputs(NDArray inputs) {
        Shape shape = inputs.getShape();
        if (shape.dimension() != 4 || shape.get(1) != 3 || shape.get(2) != inputSize || shape.get(3) != inputSize) {
            throw new IllegalArgumentException("expected [B,3," + inputSize + "," + inputSize + "], got " + shape);
        }
        NDArray features = encoder.encode(inputs); // [B,3,S,S] -> [B,E]
        return ZeroShot.probabilities(features, textFeatures, logitMultiplier); // [B,E] -> [B,C]
    }
}
