package io.tagclip.baseline;

import ai.djl.ndarray.NDArray;

/**
 * CLIP's plain image embedding: the class token after {@code ln_post}, projected, <em>not</em> normalised
 * ({@code ClipModel::encodeImage}). The baselines only need this, so they take it as a collaborator.
 */
@FunctionalInterface
public interface ImageEncoder {

    /** {@code [B,3,H,W]} normalised pixels to {@code [B,E]} embeddings, owned by the input's manager. */
    NDArray encode(NDArray images);
}
