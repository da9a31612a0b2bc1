package io.tagclip.tagging;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.tagclip.clip.LayerMaps;
import io.tagclip.clip.TokenLayout;

/**
 * DMAR's first mask and refinement weights ({@link AttentionRefiner}), reduced layer by layer while the first pass
 * runs: per image, the count of layers that put each patch-to-patch entry above that layer's mean (the class token's
 * row and column dropped; one mean per layer over all N·N entries; strict {@code >}, then {@code >=} on the count),
 * and the sum of the refinement layers' maps, divided by their count at the end as the reference's mean does. A first
 * pass then holds two {@code [N,N]} maps per image instead of every layer's map and their stacked copies.
 */
final class LayerVotes implements LayerMaps {

    private final TokenLayout layout;
    private final int layers;
    private final int refineFrom;
    private final int refineTo;
    private final int minVotes;
    private final NDArray[] votes; // per image [N,N], layers with the entry above their mean
    private final NDArray[] sums; // per image [N,N], sum of layers [refineFrom, refineTo)
    private int seen;

    /**
     * @param layout  the images' grids, in forward order
     * @param layers  layers of the vision tower
     * @param manager owns the per-image counts and sums
     * @throws IllegalArgumentException when the refinement layers or the vote do not fit {@code layers}
     */
    LayerVotes(TokenLayout layout, int layers, TagClipParams params, NDManager manager) {
        this.layout = layout;
        this.layers = layers;
        this.refineFrom = params.refineFromLayer();
        this.refineTo = layers - params.refineDropLastLayers();
        this.minVotes = params.voteMinLayers();
        if (refineFrom >= refineTo) {
            throw new IllegalArgumentException("refinement layers [" + refineFrom + "," + refineTo
                    + ") are empty for a model with " + layers + " layers");
        }
        if (layers < minVotes) {
            throw new IllegalArgumentException("vote needs " + minVotes + " layers, the model has " + layers);
        }
        int images = layout.batch();
        votes = new NDArray[images];
        sums = new NDArray[images];
        for (int b = 0; b < images; b++) {
            int n = layout.tokens(b) - 1;
            votes[b] = manager.zeros(new Shape(n, n));
            sums[b] = manager.zeros(new Shape(n, n));
        }
    }

    @Override
    public void accept(int layer, NDArray map) {
        if (layer != seen) {
            throw new IllegalStateException("expected layer " + seen + ", got " + layer);
        }
        for (int b = 0; b < votes.length; b++) {
            int t = layout.tokens(b);
            NDArray patches = map.get(b + ", 1:" + t + ", 1:" + t); // [B,T,T] -> [N,N], class token dropped
            NDArray mean = patches.reshape(-1).mean(); // one mean over the N·N entries
            votes[b].addi(patches.gt(mean).toType(DataType.FLOAT32, false));
            if (layer >= refineFrom && layer < refineTo) {
                sums[b].addi(patches);
            }
        }
        seen++;
    }

    /**
     * Image {@code b}'s refinement weights {@code W = mean(A[from..to)) ⊙ voteMask}, {@code [N,N]}.
     *
     * @throws IllegalStateException before every layer was seen
     */
    NDArray weights(int b) {
        checkComplete();
        return sums[b].div(refineTo - refineFrom).mul(mask(b).toType(DataType.FLOAT32, false));
    }

    /** Image {@code b}'s vote mask, boolean {@code [N,N]}: entries above their layer's mean in enough layers. */
    NDArray mask(int b) {
        checkComplete();
        return votes[b].gte(minVotes);
    }

    private void checkComplete() {
        if (seen != layers) {
            throw new IllegalStateException("saw " + seen + " of " + layers + " layers");
        }
    }
}
