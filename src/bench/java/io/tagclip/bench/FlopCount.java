package io.tagclip.bench;

import io.tagclip.clip.ClipConfig;

/**
 * Analytic FLOPs (2 per multiply-add) of the vision tower's forwards, counting the matrix products only (LayerNorm,
 * softmax, GELU and the TagCLIP steps after the tower are left out: they are a few percent at most).
 *
 * <p>With N patches, T = N+1 tokens, D width, M MLP width, L layers, E embedding, P patch: patch embedding
 * {@code 2·N·3P²·D}; per layer {@code 2·T·(4D² + 2·D·M)} for q/k/v/out and the MLP plus {@code 4·T²·D} for
 * {@code Q·Kᵀ} and {@code P·V}; the projection {@code 2·T·D·E} when every token is projected (TagCLIP's first pass),
 * {@code 2·D·E} when only the class token is (CWR crops, plain CLIP). ViT-B/16 at 224: 35.3 GFLOP (first pass),
 * 35.2 GFLOP (crop or plain pass).
 */
public final class FlopCount {

    private FlopCount() {}

    /** FLOPs of a TagCLIP first pass over one image of {@code tokens} tokens (all tokens projected). */
    public static double firstPass(ClipConfig c, long tokens) {
        return encoder(c, tokens) + 2.0 * tokens * c.visionWidth() * c.embedDim();
    }

    /** FLOPs of a class-token-only forward (a CWR crop or plain CLIP) over one image of {@code tokens} tokens. */
    public static double classTokenPass(ClipConfig c, long tokens) {
        return encoder(c, tokens) + 2.0 * c.visionWidth() * c.embedDim();
    }

    /** Tokens of an {@code height x width} input: patches plus the class token. */
    public static long tokens(ClipConfig c, long height, long width) {
        return 1 + (height / c.patchSize()) * (width / c.patchSize());
    }

    private static double encoder(ClipConfig c, long tokens) {
        double t = tokens;
        double n = t - 1;
        double d = c.visionWidth();
        double m = c.visionMlpWidth();
        double patch = 2 * n * 3 * c.patchSize() * c.patchSize() * d;
        double layer = 2 * t * (4 * d * d + 2 * d * m) + 4 * t * t * d;
        return patch + c.visionLayers() * layer;
    }
}
