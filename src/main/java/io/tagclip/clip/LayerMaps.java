package io.tagclip.clip;

import ai.djl.ndarray.NDArray;

/**
 * Takes a first pass's head-averaged attention maps one layer at a time, as the forward makes them, so that a caller
 * reducing them (DMAR's vote) never holds every layer's map at once.
 */
@FunctionalInterface
public interface LayerMaps {

    /**
     * Layer {@code layer}'s map. It and every array made during the call are freed when the call returns: what the
     * receiver keeps it must compute in place into arrays it owns.
     *
     * @param layer 0-based block index, called in order
     * @param map   {@code [B,T,T]}, image b's in its first {@code tokens(b)} rows and columns
     */
    void accept(int layer, NDArray map);

    /**
     * Hands maps made all at once, {@code [L,B,T,T]}, to {@code maps} in layer order (for backbones that have them
     * that way).
     */
    static void handOver(NDArray attentions, LayerMaps maps) {
        long layers = attentions.getShape().get(0);
        for (int layer = 0; layer < layers; layer++) {
            try (NDArray map = attentions.get(layer)) { // [L,B,T,T] -> [B,T,T]
                maps.accept(layer, map);
            }
        }
    }
}
