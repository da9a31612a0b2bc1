package io.tagclip.preprocess;

import io.tagclip.image.RgbImage;

/**
 * The square CLIP inputs of the zero-shot baselines, as 8-bit images ready for {@link ClipTransform#normalize}:
 *
 * <ul>
 *   <li>{@link #squash}: bicubic resize straight to {@code size x size}, aspect ratio not kept, no crop. This is
 *       {@code clip._transform(n_px)} in TagCLIP's vendored CLIP, whose centre crop is commented out.
 *   <li>{@link #shortSideThenCenterCrop}: OpenAI CLIP's standard preprocess, torchvision {@code Resize(size)} (short
 *       side to {@code size}, long side {@code int(size * long / short)}) then {@code CenterCrop(size)} (offsets
 *       {@code round((extent - size) / 2)}, Python's half-to-even rounding).
 *   <li>{@link #crop}: a pixel region of an image, for the snippets of CDUL.
 * </ul>
 *
 * All resizes are {@link PillowBicubic}, i.e. what torchvision's {@code Resize(..., BICUBIC)} does on a PIL image.
 */
public final class ZeroShotTransform {

    private ZeroShotTransform() {}

    /** Bicubic resize to {@code size x size} without keeping the aspect ratio. */
    public static RgbImage squash(RgbImage image, int size) {
        checkSize(size);
        return PillowBicubic.resize(image, size, size);
    }

    /** Bicubic resize of the short side to {@code size}, then the central {@code size x size} square. */
    public static RgbImage shortSideThenCenterCrop(RgbImage image, int size) {
        checkSize(size);
        int w = image.width();
        int h = image.height();
        int shortSide = Math.min(w, h);
        int longSide = Math.max(w, h);
        // torchvision: new_long = int(requested_short * long / short), a float division truncated toward zero.
        int newLong = (int) ((double) size * longSide / shortSide);
        int newW = w <= h ? size : newLong;
        int newH = w <= h ? newLong : size;
        RgbImage resized = PillowBicubic.resize(image, newW, newH);
        int left = (int) Math.rint((newW - size) / 2.0);
        int top = (int) Math.rint((newH - size) / 2.0);
        return crop(resized, left, top, size, size);
    }

    /** The {@code width x height} region whose top-left pixel is ({@code x}, {@code y}); must lie inside the image. */
    public static RgbImage crop(RgbImage image, int x, int y, int width, int height) {
        if (x < 0 || y < 0 || width <= 0 || height <= 0 || x + width > image.width() || y + height > image.height()) {
            throw new IllegalArgumentException("crop " + width + "x" + height + "+" + x + "+" + y
                    + " does not fit in a " + image.width() + "x" + image.height() + " image");
        }
        if (x == 0 && y == 0 && width == image.width() && height == image.height()) {
            return image;
        }
        byte[] src = image.pixels();
        byte[] out = new byte[width * height * 3];
        for (int row = 0; row < height; row++) {
            System.arraycopy(src, ((y + row) * image.width() + x) * 3, out, row * width * 3, width * 3);
        }
        return new RgbImage(width, height, out);
    }

    private static void checkSize(int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("target size must be positive, got " + size);
        }
    }
}
