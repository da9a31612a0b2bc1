package io.tagclip.tagging;

import ai.djl.ndarray.NDArray;
import io.tagclip.batch.FirstPassMemory;
import io.tagclip.clip.LayerMaps;
import io.tagclip.clip.TokenLayout;
import java.util.List;

/**
 * The three CLIP forwards TagCLIP needs. Returned arrays belong to the manager of the first array argument.
 */
public interface TagClipBackbone {

    /** {@code exp(logit_scale)} read from the weights (about 100 for OpenAI's). */
    float logitScale();

    /**
     * The vision tower's dimensions and device, from which a first pass's peak memory is estimated before it runs (and
     * an image too large for the budget refused).
     */
    FirstPassMemory firstPassMemory();

    /** Layers of the vision tower: the first pass hands over one head-averaged attention map per layer. */
    default int visionLayers() {
        return firstPassMemory().layers();
    }

    /**
     * The first pass ({@code encode_image_tagclip(x, H, W, attn_mask=1)}) of images of any sizes in one forward:
     * positional embedding interpolated to each image's grid, last layer with the self mask
     * {@code selfMask * (1 - I)}, sequences padded at the end to the longest with padded keys masked out of every
     * attention ({@link TokenLayout}), so each image comes out as it would alone, to float rounding.
     *
     * @param images   normalised pixels, each {@code [3,H_i,W_i]}, all owned by one manager
     * @param selfMask {@link TagClipParams#lastLayerSelfMask()} (−100 in the reference)
     * @param maps     receives the head-averaged attention of every layer, {@code [B,T,T]}, in layer order; the last
     *                 layer's are the weights of its logits without the self mask; image b's map is its first
     *                 {@code layout.tokens(b)} rows and columns
     */
    Vision encodeTagClip(List<NDArray> images, float selfMask, LayerMaps maps);

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
     * @param tokens every token after {@code ln_post} and projection, not normalised, {@code [B,T,E]}; image b's are
     *               its first {@code layout.tokens(b)} rows
     * @param layout each image's grid and token count
     */
    record Vision(NDArray tokens, TokenLayout layout) {}
}
