package io.tagclip.tagging;

import ai.djl.ndarray.NDArray;

/**
 * The three CLIP forwards TagCLIP needs. Returned arrays belong to the manager of the first array argument.
 */
public interface TagClipBackbone {

    /** {@code exp(logit_scale)} read from the weights (about 100 for OpenAI's). */
    float logitScale();

    /**
     * The first pass ({@code encode_image_tagclip(x, H, W, attn_mask=1)}): positional embedding interpolated to the
     * grid, last layer with the self mask {@code selfMask * (1 - I)}.
     *
     * @param images   normalised pixels {@code [B,3,H,W]}
     * @param selfMask {@link TagClipParams#lastLayerSelfMask()} (−100 in the reference)
     */
    Vision encodeTagClip(NDArray images, float selfMask);

    /**
     * The CWR pass at the crop size: class-token row of every layer's attention logits offset by
     * {@code classRowMask}, no self mask.
     *
     * @param images       {@code [B,3,S,S]}
     * @param classRowMask {@code [B,1+G*G]} additive values (0 or -1000)
     * @return class tokens after {@code ln_post} and projection, not normalised, {@code [B,E]}
     */
    NDArray encodeClassMasked(NDArray images, NDArray classRowMask);

    /**
     * First-pass outputs.
     *
     * @param tokens     every token after {@code ln_post} and projection, not normalised, {@code [B,1+N,E]}
     * @param attentions head-averaged attention of every layer {@code [L,B,1+N,1+N]}; the last layer's are the
     *                   weights of its unmasked logits
     */
    record Vision(NDArray tokens, NDArray attentions) {}
}
