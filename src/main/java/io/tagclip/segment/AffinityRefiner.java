package io.tagclip.segment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * CLIP-ES's class-aware attention-based affinity (CAA, Lin et al. 2023, arXiv 2212.09506, section 3.3) as
 * {@code generate_cams_*.py perform()} computes it: the mean of the last blocks' patch-to-patch attention, made
 * doubly stochastic by Sinkhorn-style normalisation (columns then rows, three times), symmetrised, squared, masked by
 * the Grad-CAM's boxes and applied to the Grad-CAM. All float32 on the engine, in the reference's order.
 */
public final class AffinityRefiner {

    /** Column-then-row normalisations: one before the loop and {@code range(2)} inside it. */
    static final int SINKHORN_ROUNDS = 3;

    private AffinityRefiner() {}

    /**
     * {@code attn_weight}: the mean over {@code params}' block range of the head-averaged attention maps, restricted
     * to the patch tokens: [layers,1+N,1+N] -> [N,N].
     */
    public static NDArray attentionMean(NDArray attentions, ClsSegParams params) {
        Shape shape = attentions.getShape();
        if (shape.dimension() != 3 || shape.get(1) != shape.get(2)) {
            throw new IllegalArgumentException("attentions must be [layers,T,T], got " + shape);
        }
        int[] range = params.layerRange((int) shape.get(0));
        return attentions
                .get(range[0] + ":" + range[1] + ", 1:, 1:") // -> [l,N,N]
                .mean(new int[] {0}); // -> [N,N]
    }

    /** {@code trans_mat} after the normalisations and the symmetrisation ({@code (T + Tᵀ) / 2}): [N,N] -> [N,N]. */
    public static NDArray symmetric(NDArray attentionMean) {
        NDArray t = attentionMean;
        for (int round = 0; round < SINKHORN_ROUNDS; round++) {
            t = t.div(t.sum(new int[] {0}, true)); // columns sum to 1: [N,N] / [1,N]
            t = t.div(t.sum(new int[] {1}, true)); // rows sum to 1: [N,N] / [N,1]
        }
        return t.add(t.transpose()).div(2f);
    }

    /** {@code trans_mat} squared ({@code torch.matmul(T, T)}, one round): the label-independent transition. */
    public static NDArray transition(NDArray attentionMean) {
        NDArray t = symmetric(attentionMean);
        return t.matMul(t); // [N,N] x [N,N] -> [N,N]
    }

    /**
     * {@code cam_refined}: {@code (T * mask) · cam}, the mask broadcast over columns ({@code aff_mask.view(1, N)}:
     * row i keeps the columns j inside a box), [N].
     */
    public static float[] refine(NDArray transition, float[] cam, boolean[] mask) {
        long n = transition.getShape().get(0);
        if (cam.length != n || mask.length != n) {
            throw new IllegalArgumentException(
                    "cam and mask must have " + n + " cells, got " + cam.length + " and " + mask.length);
        }
        NDManager manager = transition.getManager();
        float[] keep = new float[mask.length];
        for (int i = 0; i < mask.length; i++) {
            keep[i] = mask[i] ? 1f : 0f;
        }
        try (NDArray columns = manager.create(keep, new Shape(1, n));
                NDArray values = manager.create(cam, new Shape(n, 1));
                NDArray masked = transition.mul(columns); // [N,N] * [1,N]
                NDArray refined = masked.matMul(values)) { // [N,N] x [N,1] -> [N,1]
            return refined.toFloatArray();
        }
    }
}
