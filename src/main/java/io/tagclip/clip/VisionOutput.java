package io.tagclip.clip;

import ai.djl.ndarray.NDArray;

/**
 * Output of the TagCLIP first pass.
 *
 * @param tokens {@code ln_post} + projection of every token [B,T,E], class token first, not normalised; image b's
 *     real tokens are its first {@code layout.tokens(b)} rows (T = 1+N when the batch is not padded)
 * @param attentions head-averaged attention probabilities of every block [L,B,T,T]; the last block's are the
 *     softmax of its logits without the self mask; a padded key's column is exactly 0 in every real row; null when
 *     the forward handed them to a {@link LayerMaps} instead
 * @param layout where each image's tokens are
 */
public record VisionOutput(NDArray tokens, NDArray attentions, TokenLayout layout) {}
