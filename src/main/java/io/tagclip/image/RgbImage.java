package io.tagclip.image;

import java.util.Objects;

/**
 * A decoded 8-bit RGB image: {@code pixels} holds {@code width * height * 3} bytes, row-major, interleaved R,G,B.
 * Grey images are decoded with the grey value replicated into all three channels.
 */
public record RgbImage(int width, int height, byte[] pixels) {

    public RgbImage {
        Objects.requireNonNull(pixels, "pixels");
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (pixels.length != Math.multiplyExact(Math.multiplyExact(width, height), 3)) {
            throw new IllegalArgumentException("expected " + width + "x" + height + "x3 = " + (long) width * height * 3
                    + " bytes, got " + pixels.length);
        }
    }

    /** Red, green or blue value (0..255) of pixel (x, y). */
    public int channel(int x, int y, int c) {
        return pixels[(y * width + x) * 3 + c] & 0xFF;
    }
}
