package io.tagclip.pipeline;

import java.util.Objects;

/**
 * Where a tag is, pixel by pixel: a binary mask at the image's original size in COCO's compressed run-length
 * encoding ({@code pycocotools.mask.decode({"size": [height, width], "counts": counts})}).
 *
 * @param height original image height
 * @param width original image width
 * @param counts COCO compressed RLE of the mask, column-major
 * @param coverage the share of the image's pixels inside the mask, in [0,1]
 */
public record Mask(int height, int width, String counts, double coverage) {

    public Mask {
        Objects.requireNonNull(counts, "counts");
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("mask size must be positive, got " + height + "x" + width);
        }
        if (!(coverage >= 0 && coverage <= 1)) {
            throw new IllegalArgumentException("coverage must be in [0,1], got " + coverage);
        }
    }
}
