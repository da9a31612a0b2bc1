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
 */
public record BatchingPolicy(int maxLongSide, int sizeStep, int maxImagesPerForward, int maxCropsPerForward) {

    /**
     * Images up to 768 pixels on their longer side (VOC's 500x375, COCO's 640x480) keep exactly the reference's size,
     * so only batching noise separates throughput from reference mode; larger images shrink to a 768 long side.
     * Same-size images (typical of a camera or a dataset) share first passes.
     */
    public static final BatchingPolicy DEFAULT = new BatchingPolicy(768, 16, 8, 16);

    /**
     * Fewer, coarser buckets (512 long side, 32-pixel steps) for fuller batches on mixed-size traffic, at the price
     * of resizing most images away from the reference's size (measured drift: see {@code ThroughputDrift}).
     */
    public static final BatchingPolicy COARSE = new BatchingPolicy(512, 32, 8, 16);

    public BatchingPolicy {
        if (sizeStep <= 0 || sizeStep % 16 != 0) {
            throw new IllegalArgumentException("sizeStep must be a positive multiple of 16, got " + sizeStep);
        }
        if (maxLongSide < sizeStep || maxLongSide % sizeStep != 0) {
            throw new IllegalArgumentException(
                    "maxLongSide must be a multiple of sizeStep " + sizeStep + ", got " + maxLongSide);
        }
        if (maxImagesPerForward <= 0 || maxCropsPerForward <= 0) {
            throw new IllegalArgumentException("batch limits must be positive, got " + maxImagesPerForward
                    + " images and " + maxCropsPerForward + " crops");
        }
    }
}
