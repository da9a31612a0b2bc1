package io.tagclip.batch;

import java.util.function.LongPredicate;

/**
 * The peak native memory of the forwards whose attention grows with the square of the token count T: TagCLIP's first
 * pass (the forward and DMAR on its maps) and the Grad-CAM pass of the masks (CLS-SEG). Estimated from T and the
 * vision tower's dimensions before anything is allocated, so that an image too large for the memory there is can be
 * refused instead of taking the process down.
 *
 * <p>What a first pass holds, counted in {@code [T,T]} float32 maps (4·T² bytes each), per image:
 *
 * <ul>
 *   <li>forward, at each block: DMAR's vote count and refinement sum, reduced layer by layer as the maps are made
 *       ({@link #VOTE_MAPS}), and the block's head-averaged map with two more measured ({@link #BLOCK_MAPS}); the
 *       block's per-head temporaries, {@link #blockTemporaries} × {@code heads} maps (the logits and their softmax on
 *       the CPU, where the self-masked last block takes its fast path; the masked softmax's logits, shifted, clamped,
 *       exponentiated and flag copies on an accelerator; one more for a padded batch's key mask); plus the last
 *       block's self mask, three maps shared by the batch ({@code eye}, scaled, shifted);
 *   <li>each layer's reduction, after its block: the count, the sum, the layer's map and the vote's contiguous copy,
 *       boolean flags and float flags ({@link #VOTE_TEMPORARIES});
 *   <li>DMAR: the vote count and sum, and {@link #DMAR_MAPS} more {@code [N,N]} maps.
 * </ul>
 *
 * The peak is the largest of the three, plus the activations of the residual stream, q/k/v, the attention output and
 * the MLP ({@link #ACTIVATION_WIDTHS} × width + {@link #ACTIVATION_MLP_WIDTHS} × MLP width floats per token), plus
 * {@link #FIXED_BYTES}. Every value is counted as float32; in half precision the forward holds about half as much, so
 * the estimate is then up to twice the need. Measured against the peak resident set with glibc handing every freed
 * block back (FirstPassPeakTest; ViT-B/16 dimensions: {@code bin/bench-first-pass}, docs/benchmarks.md), it lies
 * between 1.0 and 1.5 times the measured peak from a few hundred tokens up.
 *
 * @param layers      vision blocks (12 for ViT-B/16)
 * @param heads       attention heads per block (12)
 * @param width       hidden width (768)
 * @param mlpWidth    MLP hidden width (3072)
 * @param accelerator whether the forwards run on an accelerator, where the last block always computes its masked
 *                    softmax (on the CPU it does only for a row that attends to more than itself, which no image has
 *                    shown; such a forward needs 3.25 × {@code heads} maps more, which the default budget's headroom
 *                    covers)
 */
public record FirstPassMemory(int layers, int heads, int width, int mlpWidth, boolean accelerator) {

    /** Bytes of one value: the maps DMAR reads are float32 whatever the model's precision. */
    static final int VALUE_BYTES = Float.BYTES;

    /**
     * What a forward takes beyond its tensors (libtorch's and MKL's scratch, the allocator's slack): 15–30 MiB measured
     * at a few hundred tokens on ViT-B/16 dimensions.
     */
    static final long FIXED_BYTES = 32L << 20;

    /** Values of the hidden width a block holds per token at once (stream, LN, q/k/v, attention out, residuals). */
    static final int ACTIVATION_WIDTHS = 20;

    /** Values of the MLP width a block holds per token at once (fc1, the activation's three steps). */
    static final int ACTIVATION_MLP_WIDTHS = 4;

    /** Maps of the last block's self mask ({@code eye}, scaled, shifted), shared by the images of a forward. */
    static final double SELF_MASK_MAPS = 3;

    /** DMAR's vote count and refinement sum, kept through the whole pass. */
    static final double VOTE_MAPS = 2;

    /**
     * A block's own head-averaged map, and two more: the forward was measured to hold 31.0–31.2 maps at 2,305–6,241
     * tokens (FirstPassPeaks, ViT-B/16 dimensions, activations aside) where the tensors named here count 30, so the
     * estimate counts 32 and stays above the measured peak.
     */
    static final double BLOCK_MAPS = 3;

    /** A layer's reduction into the vote: the map's contiguous copy, its boolean flags and their float copy. */
    static final double VOTE_TEMPORARIES = 2.25;

    /** DMAR's {@code [N,N]} maps beside the count and sum: the vote mask's flags and float copy, W's mean and W. */
    static final double DMAR_MAPS = 3.25;

    /** Grad-CAM: per target, the last block's logits, softmax, their gradients and softmax backward's product. */
    static final double GRADIENT_TEMPORARIES = 4;

    public FirstPassMemory {
        if (layers <= 0 || heads <= 0 || width <= 0 || mlpWidth <= 0) {
            throw new IllegalArgumentException("dimensions must be positive, got " + layers + " layers, " + heads
                    + " heads, width " + width + ", MLP width " + mlpWidth);
        }
    }

    /**
     * Per-head {@code [T,T]} temporaries a block holds at once in a first pass: the logits and their softmax (2); on an
     * accelerator the last block's masked softmax adds the masked logits, shifted, clamped and kept flags (5.25); a
     * padded batch adds the logits with the key mask (1).
     */
    public double blockTemporaries(boolean padded) {
        return (accelerator ? 5.25 : 2) + (padded ? 1 : 0);
    }

    /**
     * Peak bytes of a TagCLIP first pass of {@code images} images sharing one forward at {@code tokens} tokens each
     * (the padded length when their sizes differ).
     *
     * @param padded whether the forward pads (images of different token counts)
     */
    public long tagClipBytes(int images, long tokens, boolean padded) {
        checkCounts(images, tokens);
        double forward = images * (VOTE_MAPS + BLOCK_MAPS + blockTemporaries(padded) * heads) + SELF_MASK_MAPS;
        double reduction = images * (VOTE_MAPS + 1 + VOTE_TEMPORARIES) + SELF_MASK_MAPS;
        double refinement = images * (VOTE_MAPS + DMAR_MAPS);
        double maps = Math.max(forward, Math.max(reduction, refinement));
        return bytes(maps, tokens, (double) images * tokens);
    }

    /**
     * Peak bytes of the Grad-CAM pass of one image at {@code tokens} tokens for {@code targets} tags: the unmasked
     * blocks keep their maps, then the last block runs forward and backward on one copy of its input per tag.
     */
    public long gradCamBytes(long tokens, int targets) {
        checkCounts(targets, tokens);
        double blocks = layers + 2.0 * heads;
        double last = (layers - 1) + targets * (1 + GRADIENT_TEMPORARIES * heads);
        double stacking = 2.0 * layers + targets * (1 + 2.0 * heads);
        double maps = Math.max(blocks, Math.max(last, stacking));
        return bytes(maps, tokens, (1.0 + targets) * tokens);
    }

    /**
     * How many first passes of {@code tokens} tokens may share a forward within {@code budget} bytes; 0 when not even
     * one fits.
     */
    public int imagesWithin(long budget, long tokens, boolean padded) {
        if (tagClipBytes(1, tokens, padded) > budget) {
            return 0;
        }
        int low = 1; // fits
        int high = 2;
        while (tagClipBytes(high, tokens, padded) <= budget && high < (1 << 20)) {
            low = high;
            high *= 2;
        }
        while (high - low > 1) {
            int mid = (low + high) >>> 1;
            if (tagClipBytes(mid, tokens, padded) <= budget) {
                low = mid;
            } else {
                high = mid;
            }
        }
        return low;
    }

    /** The sequence length of a {@code width x height} input: its class token and one token per patch. */
    public static long tokens(int width, int height, int patch) {
        return 1L + (long) (width / patch) * (height / patch);
    }

    /**
     * The longest side, a multiple of {@code patch} and at most the image's own, at which an image of
     * {@code width x height} (aspect kept, the other side rounded up to a multiple of {@code patch}) has at most as
     * many tokens as {@code fits} accepts; 0 when none does.
     */
    public static int longestSideWithin(int width, int height, int patch, LongPredicate fits) {
        int longSide = Math.max(width, height);
        int shortSide = Math.min(width, height);
        for (int side = longSide / patch * patch; side >= patch; side -= patch) {
            int other = (int) Math.min(side, (long) Math.ceil((double) shortSide * side / longSide / patch) * patch);
            long tokens = 1L + (long) (side / patch) * Math.max(1, other / patch);
            if (fits.test(tokens)) {
                return side;
            }
        }
        return 0;
    }

    private long bytes(double maps, long tokens, double activationTokens) {
        double square = (double) tokens * tokens;
        double activations = activationTokens * ((double) ACTIVATION_WIDTHS * width + ACTIVATION_MLP_WIDTHS * mlpWidth);
        double total = VALUE_BYTES * (maps * square + activations) + FIXED_BYTES;
        return total >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) Math.ceil(total);
    }

    private static void checkCounts(int count, long tokens) {
        if (count <= 0 || tokens <= 0) {
            throw new IllegalArgumentException(
                    "need a positive count and token count, got " + count + " and " + tokens);
        }
    }
}
