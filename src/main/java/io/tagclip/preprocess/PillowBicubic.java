package io.tagclip.preprocess;

import io.tagclip.image.RgbImage;

/**
 * Bicubic resize of an 8-bit RGB image that reproduces Pillow 9.4's {@code Image.resize(size, BICUBIC)} byte for
 * byte, which is what the reference's torchvision {@code Resize((h, w), BICUBIC)} runs on a PIL image.
 *
 * <p>The algorithm (Pillow's {@code libImaging/Resample.c}, re-derived here): a separable convolution, horizontal
 * pass first, then vertical pass, each on 8-bit data. Per output sample the filter (Keys' cubic with a = -0.5,
 * support 2, stretched by the scale factor when shrinking so that it antialiases) is evaluated in double precision,
 * its taps are normalised to sum 1 and then converted to fixed point with {@value #PRECISION_BITS} fractional bits,
 * rounding half away from zero. Accumulation is in 32-bit integers starting from one half, and every pass clips its
 * result to 0..255, so the intermediate image is 8-bit as in Pillow.
 */
public final class PillowBicubic {

    /** Fractional bits of the fixed-point taps: 32 bits minus 8 for the pixel value and 2 for overshoot (Pillow). */
    static final int PRECISION_BITS = 32 - 8 - 2;

    /** Keys' cubic convolution parameter Pillow uses for BICUBIC. */
    static final double CUBIC_A = -0.5;

    /** Half-width of the cubic filter in input samples at scale 1. */
    static final double CUBIC_SUPPORT = 2.0;

    private PillowBicubic() {}

    /**
     * Resizes {@code image} to {@code width x height}. A same-size resize returns the image itself (Pillow returns a
     * copy with identical pixels).
     */
    public static RgbImage resize(RgbImage image, int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("target size must be positive, got " + width + "x" + height);
        }
        if (width == image.width() && height == image.height()) {
            return image;
        }
        byte[] pixels = image.pixels();
        int w = image.width();
        int h = image.height();
        // Pillow skips a pass whose axis keeps its size; running it would be the identity anyway.
        if (width != w) {
            pixels = horizontal(pixels, w, h, width, taps(w, width));
            w = width;
        }
        if (height != h) {
            pixels = vertical(pixels, w, h, height, taps(h, height));
        }
        return new RgbImage(width, height, pixels);
    }

    /** Fixed-point filter taps for one axis: {@code first[o]} is the first input index, {@code count[o]} the taps. */
    record Taps(int[] first, int[] count, int[] weights, int stride) {}

    static Taps taps(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = CUBIC_SUPPORT * filterScale;
        int stride = (int) Math.ceil(support) * 2 + 1;
        int[] first = new int[outSize];
        int[] count = new int[outSize];
        int[] weights = new int[outSize * stride];
        double[] k = new double[stride];
        for (int o = 0; o < outSize; o++) {
            double center = (o + 0.5) * scale;
            double invFilterScale = 1.0 / filterScale;
            // (int) truncates toward zero like the C cast it mirrors; both ends are then clamped to the image.
            int min = Math.max((int) (center - support + 0.5), 0);
            int max = Math.min((int) (center + support + 0.5), inSize) - min;
            double sum = 0.0;
            for (int i = 0; i < max; i++) {
                k[i] = cubic((i + min - center + 0.5) * invFilterScale);
                sum += k[i];
            }
            for (int i = 0; i < max; i++) {
                double v = sum != 0.0 ? k[i] / sum : k[i];
                weights[o * stride + i] =
                        v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS)) : (int) (0.5 + v * (1 << PRECISION_BITS));
            }
            first[o] = min;
            count[o] = max;
        }
        return new Taps(first, count, weights, stride);
    }

    static double cubic(double x) {
        double a = CUBIC_A;
        x = Math.abs(x);
        if (x < 1.0) {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }

    private static byte[] horizontal(byte[] in, int inW, int h, int outW, Taps taps) {
        byte[] out = new byte[outW * h * 3];
        for (int y = 0; y < h; y++) {
            int row = y * inW * 3;
            for (int x = 0; x < outW; x++) {
                int base = x * taps.stride();
                int first = taps.first()[x];
                for (int c = 0; c < 3; c++) {
                    int acc = 1 << (PRECISION_BITS - 1);
                    for (int i = 0; i < taps.count()[x]; i++) {
                        acc += (in[row + (first + i) * 3 + c] & 0xFF) * taps.weights()[base + i];
                    }
                    out[(y * outW + x) * 3 + c] = clip8(acc);
                }
            }
        }
        return out;
    }

    private static byte[] vertical(byte[] in, int w, int inH, int outH, Taps taps) {
        byte[] out = new byte[w * outH * 3];
        for (int y = 0; y < outH; y++) {
            int base = y * taps.stride();
            int first = taps.first()[y];
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    int acc = 1 << (PRECISION_BITS - 1);
                    for (int i = 0; i < taps.count()[y]; i++) {
                        acc += (in[((first + i) * w + x) * 3 + c] & 0xFF) * taps.weights()[base + i];
                    }
                    out[(y * w + x) * 3 + c] = clip8(acc);
                }
            }
        }
        return out;
    }

    private static byte clip8(int acc) {
        if (acc >= (1 << PRECISION_BITS << 8)) {
            return (byte) 255;
        }
        if (acc <= 0) {
            return 0;
        }
        return (byte) (acc >> PRECISION_BITS);
    }
}
