package io.tagclip.baseline;

import io.tagclip.tagging.TagClipParams;
import io.tagclip.vocab.ContentHash;
import java.util.Objects;

/**
 * Parameters of the {@code cdul-global-local} baseline: CDUL's initial pseudo labels (Abdelfattah et al., ICCV 2023,
 * arXiv 2307.16634, §3.1) as the unofficial reproduction {@code cs-mshah/CDUL} (commit cac809f8) implements them.
 *
 * @param inputSize side of every CLIP input: short side resized to it, then centre-cropped. 224 = ViT-B/16's
 *     resolution (the reproduction's RN50x64 uses 448)
 * @param gridRows snippet rows: the original image is cut into {@code gridRows x gridCols} tiles of
 *     {@code (H / gridRows) x (W / gridCols)} pixels, remainder dropped (reproduction {@code num_patches: 3})
 * @param gridCols snippet columns (reproduction: 3)
 * @param zeta ζ of Eq. (5): a class takes its best snippet score α when α ≥ ζ, else its worst β. The reproduction's
 *     default is 0 (the supplementary explores [0, 0.4]); with ζ = 0 the aggregate is the per-class max
 * @param lambda λ of the final fusion {@code ½(S_global + S_agg + λ|S_global − S_agg|)}; reproduction default 0
 * @param prompts how the class text features are built
 * @param template the single prompt template, {@code {}} = class name; reproduction: {@code "a photo of a {}"}
 *     (no full stop), used when {@code prompts} is {@link PromptMode#SINGLE_TEMPLATE}
 */
public record CdulParams(
        int inputSize, int gridRows, int gridCols, float zeta, float lambda, PromptMode prompts, String template) {

    /** How the class text features are built. */
    public enum PromptMode {
        /** One prompt per class from {@link #template()}, as the reproduction does (the spec's recommendation). */
        SINGLE_TEMPLATE,
        /** TagCLIP's 85-template ensemble, to compare the aggregation with the same text side as TagCLIP. */
        ENSEMBLE
    }

    /** Input side of CLIP ViT-B/16. */
    public static final int DEFAULT_INPUT_SIZE = 224;

    /** 3×3 snippets: the reproduction's {@code num_patches: 3}. */
    public static final int DEFAULT_GRID = 3;

    /** ζ = 0: the reproduction's default threshold. */
    public static final float DEFAULT_ZETA = 0f;

    /** λ = 0: the reproduction's default weight of the disagreement term. */
    public static final float DEFAULT_LAMBDA = 0f;

    /** The reproduction's prompt ({@code src/data/data.py}). */
    public static final String DEFAULT_TEMPLATE = "a photo of a {}";

    /** The reproduction's defaults at ViT-B/16's resolution. */
    public static final CdulParams DEFAULTS = new CdulParams(
            DEFAULT_INPUT_SIZE,
            DEFAULT_GRID,
            DEFAULT_GRID,
            DEFAULT_ZETA,
            DEFAULT_LAMBDA,
            PromptMode.SINGLE_TEMPLATE,
            DEFAULT_TEMPLATE);

    public CdulParams {
        Objects.requireNonNull(prompts, "prompts");
        Objects.requireNonNull(template, "template");
        if (inputSize <= 0) {
            throw new IllegalArgumentException("inputSize must be positive, got " + inputSize);
        }
        if (gridRows <= 0 || gridCols <= 0) {
            throw new IllegalArgumentException("snippet grid must be positive, got " + gridRows + "x" + gridCols);
        }
        if (!(zeta >= 0 && zeta <= 1)) {
            throw new IllegalArgumentException("zeta must be in [0, 1], got " + zeta);
        }
        if (!(lambda >= 0) || !Float.isFinite(lambda)) {
            throw new IllegalArgumentException("lambda must be finite and >= 0, got " + lambda);
        }
        if (!template.contains("{}")) {
            throw new IllegalArgumentException("template must contain {}, got '" + template + "'");
        }
    }

    /** Number of CLIP inputs per image: the global view plus every snippet. */
    public int viewsPerImage() {
        return 1 + gridRows * gridCols;
    }

    /**
     * First 12 hex digits of the SHA-256 of these parameters, for results to say which parameters made them (the
     * same scheme as {@link TagClipParams#version()}).
     */
    public String version() {
        return ContentHash.of(toString());
    }

    /** A copy with another input size (the model's own image size: 224, 336, ...). */
    public CdulParams withInputSize(int newInputSize) {
        return new CdulParams(newInputSize, gridRows, gridCols, zeta, lambda, prompts, template);
    }

    /** A copy with another ζ. */
    public CdulParams withZeta(float newZeta) {
        return new CdulParams(inputSize, gridRows, gridCols, newZeta, lambda, prompts, template);
    }
}
