package io.tagclip.tagging;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.tagclip.clip.HostTransfers;
import java.util.ArrayList;
import java.util.List;

/**
 * TagCLIP step 2, DMAR: dual-masking attention refinement (paper §3.3; classify.py from {@code attn_vote} to
 * {@code mask_attn}).
 *
 * <p>First mask: an attention entry between two patches is kept when at least {@code voteMinLayers} of the 12 layers
 * put it above that layer's mean; the refinement weights W are the mean of layers 8..10 times that mask, reduced
 * layer by layer as the first pass makes the maps ({@link LayerVotes}). The coarse
 * map is propagated along W. Second mask: per class, the propagated map is thresholded into boxes
 * ({@link ScoreMapBoxes}) and W only propagates from patches inside the boxes, applied to the coarse map again.
 *
 * <p>Reproduced details: the class token's row and column are dropped before the vote; one mean per layer over all
 * N·N entries; strict {@code >} per layer, {@code >=} on the count; rows of W are not renormalised; the box masks come
 * from {@code W·P_coarse} but multiply {@code P_coarse}; the mask acts on W's columns (source patches). A class whose
 * refined column has no positive entry is not masked ({@code mask_attn} skips it and keeps {@code W·P_coarse}).
 *
 * <p>Deviation: a column whose values are all equal and positive makes the reference divide 0 by 0 and fail in
 * {@code int(nan)}; here it is treated as having no box, so the class's refined column becomes 0.
 */
public final class AttentionRefiner {

    private AttentionRefiner() {}

    /** Output of {@link #refine}: the maps the reference computes and the boxes of every class. */
    public record Refinement(NDArray attentionRefined, NDArray refined, List<ClassBoxes> classes) {}

    /**
     * Boxes of one class.
     *
     * @param masked whether {@code mask_attn} processed the class (max of {@code W·P_coarse} above 0)
     * @param boxes  the boxes {@code scoremap2bbox} would return, clipped; empty list: no foreground
     */
    public record ClassBoxes(boolean masked, List<PatchBox> boxes) {

        /** Smallest box around every non-empty box, or {@code null} when no box covers a cell. */
        public PatchBox extent() {
            int x0 = Integer.MAX_VALUE;
            int y0 = Integer.MAX_VALUE;
            int x1 = -1;
            int y1 = -1;
            for (PatchBox box : boxes) {
                if (box.isEmpty()) {
                    continue;
                }
                x0 = Math.min(x0, box.x0());
                y0 = Math.min(y0, box.y0());
                x1 = Math.max(x1, box.x1());
                y1 = Math.max(y1, box.y1());
            }
            return x1 < 0 ? null : new PatchBox(x0, y0, x1, y1);
        }
    }

    /**
     * The second mask's inputs, decided on the host: each class's boxes and the {@code [N,K]} box mask (1 inside the
     * class's boxes, everywhere for a class {@code mask_attn} skips).
     *
     * @param classes every class's boxes
     * @param mask    {@code [N,K]} row-major, 0 or 1
     */
    public record BoxMasks(List<ClassBoxes> classes, float[] mask) {}

    /**
     * Refines the coarse map with W and the per-class box masks, reading {@code W·P} to the host once for the boxes.
     * {@link TagClipTagger#firstPass} runs the same three steps for a whole batch with one copy per step.
     *
     * @param weights W {@code [N,N]}
     * @param coarse  {@code P_coarse} {@code [N,K]}
     * @param gridH   patch rows
     * @param gridW   patch columns, {@code gridH * gridW = N}
     */
    public static Refinement refine(NDArray weights, NDArray coarse, int gridH, int gridW, TagClipParams params) {
        NDArray attentionRefined = propagate(weights, coarse, gridH, gridW);
        BoxMasks boxes = boxMasks(HostTransfers.floats(attentionRefined), gridH, gridW, params);
        return new Refinement(attentionRefined, masked(weights, coarse, boxes), boxes.classes());
    }

    /**
     * The first propagation {@code W·P_coarse}, on the device.
     *
     * @return {@code [N,K]}
     */
    public static NDArray propagate(NDArray weights, NDArray coarse, int gridH, int gridW) {
        Shape shape = coarse.getShape();
        int n = gridH * gridW;
        if (shape.dimension() != 2 || shape.get(0) != n || !weights.getShape().equals(new Shape(n, n))) {
            throw new IllegalArgumentException("expected W [" + n + "," + n + "] and P_coarse [" + n + ",K] for a "
                    + gridH + "x" + gridW + " grid, got " + weights.getShape() + " and " + shape);
        }
        return weights.matMul(coarse); // [N,N] x [N,K] -> [N,K]
    }

    /**
     * The boxes of every class from {@code W·P_coarse} on the host (connected components are host work).
     *
     * @param refined {@code W·P_coarse} {@code [N,K]} row-major
     */
    public static BoxMasks boxMasks(float[] refined, int gridH, int gridW, TagClipParams params) {
        int n = gridH * gridW;
        if (refined.length % n != 0 || refined.length == 0) {
            throw new IllegalArgumentException(
                    "expected an [" + n + ",K] map for a " + gridH + "x" + gridW + " grid, got " + refined.length);
        }
        int k = refined.length / n;
        float[] boxMask = new float[n * k];
        List<ClassBoxes> classes = new ArrayList<>(k);
        float[] column = new float[n];
        for (int c = 0; c < k; c++) {
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                column[i] = refined[i * k + c];
                max = Math.max(max, column[i]);
            }
            if (!(max > 0f)) {
                for (int i = 0; i < n; i++) {
                    boxMask[i * k + c] = 1f;
                }
                classes.add(new ClassBoxes(false, List.of()));
                continue;
            }
            List<PatchBox> boxes = classBoxes(column, gridH, gridW, params.boxQuantisation());
            boolean[] mask = ScoreMapBoxes.fill(boxes, gridH, gridW);
            for (int i = 0; i < n; i++) {
                boxMask[i * k + c] = mask[i] ? 1f : 0f;
            }
            classes.add(new ClassBoxes(true, List.copyOf(boxes)));
        }
        return new BoxMasks(List.copyOf(classes), boxMask);
    }

    /**
     * The second propagation with the box masks, on the device: column c of {@code W ⊙ B_c^T} times
     * {@code P_coarse[:,c]}, for all classes at once: {@code W · (B ⊙ P_coarse)}.
     *
     * @return {@code P_ref} {@code [N,K]}
     */
    public static NDArray masked(NDArray weights, NDArray coarse, BoxMasks boxes) {
        NDArray masks = coarse.getManager().create(boxes.mask(), coarse.getShape()); // [N,K], host to device
        return weights.matMul(masks.mul(coarse)); // [N,N] x [N,K] -> [N,K]
    }

    /** Min-max normalises one class column in float32 as the reference does and boxes its foreground. */
    static List<PatchBox> classBoxes(float[] column, int gridH, int gridW, int levels) {
        float min = Float.POSITIVE_INFINITY;
        for (float v : column) {
            min = Math.min(min, v);
        }
        float[] shifted = new float[column.length];
        float range = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < column.length; i++) {
            shifted[i] = column[i] - min;
            range = Math.max(range, shifted[i]);
        }
        if (!(range > 0f)) {
            return List.of();
        }
        for (int i = 0; i < shifted.length; i++) {
            shifted[i] = shifted[i] / range;
        }
        return ScoreMapBoxes.boxes(ScoreMapBoxes.foreground(shifted, levels), gridH, gridW);
    }
}
