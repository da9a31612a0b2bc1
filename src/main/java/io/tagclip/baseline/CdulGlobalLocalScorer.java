package io.tagclip.baseline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tagclip.image.RgbImage;
import io.tagclip.preprocess.ClipTransform;
import io.tagclip.preprocess.ZeroShotTransform;
import io.tagclip.vocab.TextTable;
import io.tagclip.vocab.Vocabulary;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Baseline {@code cdul-global-local}: the initial pseudo labels of CDUL (Abdelfattah et al., "CDUL: CLIP-Driven
 * Unsupervised Learning for Multi-Label Image Classification", ICCV 2023, arXiv 2307.16634, §3.1), read as the
 * unofficial reproduction {@code cs-mshah/CDUL} implements them, since the authors published no code.
 *
 * <pre>
 * S_global = softmax_C(σ · cos(f(global view), t_c))                       global view: short side → S, centre crop
 * S_j      = softmax_C(σ · cos(f(tile_j),     t_c)),  j = 1..rows·cols      tiles of the ORIGINAL image, same preprocess
 * α = max_j S_j,  β = min_j S_j,  γ = [α ≥ ζ],  S_agg = γα + (1 − γ)β        (Eq. 5–6)
 * S_init   = ½ (S_global + S_agg + λ |S_global − S_agg|)
 * </pre>
 *
 * σ is {@code exp(logit_scale)} (≈ 100), standard CLIP zero-shot practice. The reproduction divides by the
 * <em>log</em> value instead ({@code softmax(cos / 4.605)}), which leaves the softmax almost flat and makes ζ values
 * of the paper's range meaningless; we treat that as a slip. The softmax runs over the C dataset classes only. All
 * views of all images of a call go through the image encoder in one batched forward.
 *
 * <p>Differences from the reproduction: the backbone is ViT-B/16 at 224 (it uses RN50x64 at 448), and tiles are
 * resized as 8-bit images with Pillow's bicubic filter like the global view (it resizes the float tensor tiles).
 */
public final class CdulGlobalLocalScorer implements ImageBatchScorer {

    /** Weight of each of the two terms in S_init = ½(S_global + S_agg + λ|…|) (CDUL §3.1, the reproduction). */
    static final float FUSION_HALF = 0.5f;

    private final ImageEncoder encoder;
    private final NDArray textFeatures;
    private final float logitMultiplier;
    private final CdulParams params;

    /**
     * @param encoder CLIP's plain image embedding ({@code ClipModel::encodeImage})
     * @param textFeatures {@code [C,E]} L2-normalised features of the C dataset classes, built as
     *     {@code params.prompts()} says; kept, not copied
     * @param logitMultiplier σ = {@code exp(logit_scale)} of the checkpoint ({@code ClipModel.logitScale()})
     * @param params snippet grid, ζ, λ, input size
     */
    public CdulGlobalLocalScorer(ImageEncoder encoder, NDArray textFeatures, float logitMultiplier, CdulParams params) {
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.textFeatures = Objects.requireNonNull(textFeatures, "textFeatures");
        this.params = Objects.requireNonNull(params, "params");
        ZeroShot.checkMatrix(textFeatures, "text features");
        if (!(logitMultiplier > 0) || !Float.isFinite(logitMultiplier)) {
            throw new IllegalArgumentException("logit multiplier must be positive and finite, got " + logitMultiplier);
        }
        this.logitMultiplier = logitMultiplier;
    }

    /**
     * A scorer for the dataset classes of {@code vocabulary} (background classes left out), with text features
     * built as {@code params.prompts()} says.
     *
     * @param textEncoder raw CLIP text embedding, for {@link CdulParams.PromptMode#SINGLE_TEMPLATE}
     * @param ensemble the prompt-ensemble embedder, for {@link CdulParams.PromptMode#ENSEMBLE}
     * @param manager owns the text features; must outlive the scorer
     */
    public static CdulGlobalLocalScorer forVocabulary(
            Vocabulary vocabulary,
            ImageEncoder encoder,
            TextEncoder textEncoder,
            TextTable.NameEmbedder ensemble,
            float logitMultiplier,
            CdulParams params,
            NDManager manager) {
        Vocabulary datasetOnly = new Vocabulary(vocabulary.id(), vocabulary.classes(), List.of());
        TextTable.NameEmbedder embedder = switch (params.prompts()) {
            case SINGLE_TEMPLATE ->
                (names, m) -> ZeroShot.singleTemplateFeatures(textEncoder, names, params.template(), m);
            case ENSEMBLE -> ensemble;
        };
        return new CdulGlobalLocalScorer(
                encoder, TextTable.build(datasetOnly, embedder, manager), logitMultiplier, params);
    }

    /** The parameters in use. */
    public CdulParams params() {
        return params;
    }

    @Override
    public int numClasses() {
        return Math.toIntExact(textFeatures.getShape().get(0));
    }

    /**
     * The CLIP views of one image, 8-bit: the global view first, then the snippets row by row. Every view is the
     * short side resized to {@code inputSize} and centre-cropped to a square.
     */
    public static List<RgbImage> views(RgbImage image, CdulParams params) {
        int tileH = image.height() / params.gridRows();
        int tileW = image.width() / params.gridCols();
        if (tileH == 0 || tileW == 0) {
            throw new IllegalArgumentException("a " + image.width() + "x" + image.height() + " image is too small for "
                    + params.gridRows() + "x" + params.gridCols() + " snippets");
        }
        List<RgbImage> views = new ArrayList<>(params.viewsPerImage());
        views.add(ZeroShotTransform.shortSideThenCenterCrop(image, params.inputSize()));
        for (int row = 0; row < params.gridRows(); row++) {
            for (int col = 0; col < params.gridCols(); col++) {
                RgbImage tile = ZeroShotTransform.crop(image, col * tileW, row * tileH, tileW, tileH);
                views.add(ZeroShotTransform.shortSideThenCenterCrop(tile, params.inputSize()));
            }
        }
        return views;
    }

    /**
     * Scores decoded images: all {@code B·(1 + rows·cols)} views in one encoder forward.
     *
     * @return {@code [B,C]} initial pseudo-label scores in [0,1], owned by {@code manager}
     */
    @Override
    public NDArray score(List<RgbImage> images, NDManager manager) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images to score");
        }
        int size = params.inputSize();
        int plane = 3 * size * size;
        int views = params.viewsPerImage();
        float[] pixels = new float[images.size() * views * plane];
        int offset = 0;
        for (RgbImage image : images) {
            for (RgbImage view : views(image, params)) {
                System.arraycopy(ClipTransform.normalize(view), 0, pixels, offset, plane);
                offset += plane;
            }
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray input = scope.create(pixels, new Shape((long) images.size() * views, 3, size, size)); // [B·V,3,S,S]
            NDArray scores = scoreViews(input, images.size()); // [B,C]
            scores.attach(manager);
            return scores;
        }
    }

    /**
     * Scores preprocessed views.
     *
     * @param views {@code [B·V,3,S,S]} normalised views, V = {@link CdulParams#viewsPerImage()}, each image's global
     *     view first, then its snippets
     * @param batch B
     * @return {@code [B,C]}, owned by the manager of {@code views}
     */
    public NDArray scoreViews(NDArray views, int batch) {
        int v = params.viewsPerImage();
        Shape shape = views.getShape();
        if (shape.dimension() != 4 || shape.get(0) != (long) batch * v || shape.get(1) != 3) {
            throw new IllegalArgumentException("expected [" + batch + "·" + v + ",3,H,W] views, got " + shape);
        }
        NDArray features = encoder.encode(views); // [B·V,3,S,S] -> [B·V,E]
        NDArray probs = ZeroShot.probabilities(features, textFeatures, logitMultiplier); // [B·V,E] -> [B·V,C]
        NDArray perImage = probs.reshape(batch, v, numClasses()); // [B·V,C] -> [B,V,C]
        NDArray global = perImage.get(":, 0, :"); // [B,V,C] -> [B,C]
        NDArray snippets = perImage.get(":, 1:, :"); // [B,V,C] -> [B,V-1,C]
        return aggregate(global, snippets, params.zeta(), params.lambda());
    }

    /**
     * CDUL's global-local aggregation (Eq. 5–6 and the final fusion, per the reproduction).
     *
     * @param global {@code [B,C]} S_global
     * @param snippets {@code [B,J,C]} S_j
     * @param zeta ζ: classes whose best snippet reaches it take α = max_j S_j, the others β = min_j S_j
     * @param lambda λ: weight of the disagreement term |S_global − S_agg|
     * @return {@code [B,C]} S_init, owned by the manager of {@code global}
     */
    public static NDArray aggregate(NDArray global, NDArray snippets, float zeta, float lambda) {
        Shape g = global.getShape();
        Shape s = snippets.getShape();
        if (g.dimension() != 2 || s.dimension() != 3 || s.get(0) != g.get(0) || s.get(2) != g.get(1) || s.get(1) < 1) {
            throw new IllegalArgumentException("expected global [B,C] and snippets [B,J,C], got " + g + " and " + s);
        }
        NDArray alpha = snippets.max(new int[] {1}); // [B,J,C] -> [B,C]
        NDArray beta = snippets.min(new int[] {1}); // [B,J,C] -> [B,C]
        NDArray aggregated = NDArrays.where(alpha.gte(zeta), alpha, beta); // γα + (1-γ)β, [B,C]
        NDArray disagreement = global.sub(aggregated).abs().muli(lambda); // [B,C]
        return global.add(aggregated).addi(disagreement).muli(FUSION_HALF); // [B,C]
    }
}
