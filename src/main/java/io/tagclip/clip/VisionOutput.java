package io.tagclip.clip;

import ai.djl.ndarray.NDArray;

/**
 * Output of the TagCLIP first pass.
 *
 * @param tokens {@code ln_post} + projection of every token [B,1+N,E], class token first, not normalised
 * @param attentions head-averaged attention probabilities of every block [L,B,1+N,1+N]; the last block's are the
 *     softmax of its unmasked logits
 */
public record VisionOutput(NDArray tokens, NDArray attentions) {}
