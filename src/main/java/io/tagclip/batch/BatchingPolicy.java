package io.tagclip.batch;

/**
 * How throughput mode sizes and groups work.
 *
 * @param maxLongSide         images whose longer side exceeds this are scaled down (aspect kept) before rounding;
 *                            a multiple of {@code sizeStep}
 * @param sizeStep            both sides are rounded up to a multiple of this (a multiple of the patch size, 16);
 *                            a larger step means fewer distinct shapes, so fuller batches, at the price of up to
 *                            {@code sizeStep - 1} pixels of stretch per side
 * @param maxImagesPerForward first passes of at most this many same-size images share one forward
 * @param maxCropsPerForward  CWR crops (224x224, of any images) of at most this many share one forward
 * @param maxAttentionMib     a first pass keeps every layer's head-averaged attention, 12 x T^2 floats per image
 *                            (T = 1+N, padded; 28 MiB at 512x384, 1.2 GiB at 768x768 for 8 images); fewer images
 *                            share a forward when their maps would exceed this many MiB (one image always runs)
 * @param maxPaddingShare     images of different sizes share a first pass padded to the longest one's token count;
 *                            a forward's padded token slots stay at most this share of its real tokens (0 groups
 *                            only equal token counts)
 */
public record BatchingPolicy(
        int maxLongSide,
        int sizeStep,
        int maxImagesPerForward,
        int maxCropsPerForward,
        int maxAttentionMib,
        double maxPaddingShare) {

    /**
     * A forward may pad by a quarter of its real tokens: on 8 photo-like sizes it still fills batches, and compute
     * spent on padding stays below about 20 % of a forward (the padded share of all slots is at most 0.25/1.25).
     */
    public static final double DEFAULT_MAX_PADDING_SHARE = 0.25;

    /**
     * Images up to 768 pixels on their longer side (VOC's 500x375, COCO's 640x480) keep exactly the reference's size,
     * so only batching noise separates throughput from reference mode; larger images shrink to a 768 long side.
     * Same-size images (typical of a camera or a dataset) share first passes.
     */
    public static final BatchingPolicy DEFAULT = new BatchingPolicy(768, 16, 8, 16, 1024, DEFAULT_MAX_PADDING_SHARE);

    /**
     * Fewer, coarser buckets (512 long side, 32-pixel steps) for fuller batches on mixed-size traffic, at the price
     * of resizing most images away from the reference's size, so scores drift further from reference mode's than
     * with {@link #DEFAULT} (whose drift {@code GoldenPipelineTest} asserts).
     */
    public static final BatchingPolicy COARSE = new BatchingPolicy(512, 32, 8, 16, 1024, DEFAULT_MAX_PADDING_SHARE);

    /** A policy with the {@link #DEFAULT_MAX_PADDING_SHARE default padding bound}. */
    public BatchingPolicy(
            int maxLongSide, int sizeStep, int maxImagesPerForward, int maxCropsPerForward, int maxAttentionMib) {
        this(
                maxLongSide,
                sizeStep,
                maxImagesPerForward,
                maxCropsPerForward,
                maxAttentionMib,
                DEFAULT_MAX_PADDING_SHARE);
    }

    public BatchingPolicy {
        if (sizeStep <= 0 || sizeStep % 16 != 0) {
            throw new IllegalArgumentException("sizeStep must be a positive multiple of 16, got " + sizeStep);
        }
        if (maxLongSide < sizeStep || maxLongSide % sizeStep != 0) {
            throw new IllegalArgumentException(
                    "maxLongSide must be a multiple of sizeStep " + sizeStep + ", got " + maxLongSide);
        }
        if (maxImagesPerForward <= 0 || maxCropsPerForward <= 0 || maxAttentionMib <= 0) {
            throw new IllegalArgumentException("batch limits must be positive, got " + maxImagesPerForward + " images, "
                    + maxCropsPerForward + " crops and " + maxAttentionMib + " MiB");
        }
        if (!(maxPaddingShare >= 0) || !Double.isFinite(maxPaddingShare)) {
            throw new IllegalArgumentException(
                    "maxPaddingShare must be finite and not negative, got " + maxPaddingShare);
        }
    }

    /**
     * This policy as the model's device runs it best: on an accelerator as it is; on the CPU without padding
     * ({@code maxPaddingShare} 0, so only equal token counts share a forward). A CPU gains little from larger
     * forwards (the 224×224 pass runs 4.2 images/s alone and 4.8 at batch 8) while a padded forward pays for its
     * padded slots and for attention over the longest image's T² per image: on the 8 golden sizes at ViT-B/16,
     * batch 8, throughput mode took 1.3× as long padded as unpadded (README, Benchmarks: CPU efficiency).
     */
    public BatchingPolicy forDevice(boolean accelerator) {
        return accelerator ? this : withMaxPaddingShare(0);
    }

    /** This policy with another padding bound (see {@link #maxPaddingShare}). */
    public BatchingPolicy withMaxPaddingShare(double share) {
        return new BatchingPolicy(
                maxLongSide, sizeStep, maxImagesPerForward, maxCropsPerForward, maxAttentionMib, share);
    }

    /** This policy with at most {@code images} images per first-pass forward. */
    public BatchingPolicy withMaxImagesPerForward(int images) {
        return new BatchingPolicy(maxLongSide, sizeStep, images, maxCropsPerForward, maxAttentionMib, maxPaddingShare);
    }

    /**
     * How many images of {@code width x height} may share a first pass of a model with {@code layers} layers and
     * {@code patch}-pixel patches: at most {@link #maxImagesPerForward}, at least 1, within {@link #maxAttentionMib}.
     */
    public int imagesPerForward(int width, int height, int patch, int layers) {
        return imagesPerForward(1L + (long) (width / patch) * (height / patch), layers);
    }

    /**
     * How many images of (padded) sequence length {@code tokens} may share a first pass of a model with
     * {@code layers} layers: at most {@link #maxImagesPerForward}, at least 1, within {@link #maxAttentionMib}.
     */
    public int imagesPerForward(long tokens, int layers) {
        long bytesPerImage = (long) layers * tokens * tokens * Float.BYTES;
        long fit = ((long) maxAttentionMib << 20) / Math.max(1, bytesPerImage);
        return (int) Math.max(1, Math.min(maxImagesPerForward, fit));
    }
}
