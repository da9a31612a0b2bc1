package io.tagclip.preprocess;

/**
 * The two resizes of TagCLIP's class-wise re-identification, written out so that they match PyTorch's
 * {@code F.interpolate} on CPU: bilinear with {@code align_corners=False} and no antialiasing for the image crop
 * (even when it shrinks), and {@code nearest} (source = floor(dst * in / out)) for the box mask.
 */
public final class CropResize {

    private CropResize() {}

    /**
     * Cuts rows {@code [y0,y1)} and columns {@code [x0,x1)} out of a channel-major image and resizes the cut to
     * {@code outH x outW} bilinearly, in the arithmetic of PyTorch's CPU kernel (1.13, as the reference ran): per
     * output axis the float scale {@code in/out}, the source coordinate {@code max(0, (o + 0.5) * scale - 0.5)} in
     * double (the kernel's accumulate type), its floor and the next index (clamped), float weights {@code l} and
     * {@code 1 - l}; each row is blended along x, then the two rows along y, each blend {@code t0 * w0 + t1 * w1}
     * evaluated as the kernel's compiled code does, {@code fma(t0, w0, t1 * w1)}. This reproduces PyTorch's
     * bilinear upsampling bit for bit (checked on the reference's interpolated positional embedding).
     *
     * @return {@code channels * outH * outW} values, channel-major
     */
    public static float[] bilinear(
            float[] chw, int channels, int height, int width, int y0, int y1, int x0, int x1, int outH, int outW) {
        if (y0 < 0 || x0 < 0 || y1 > height || x1 > width || y1 <= y0 || x1 <= x0) {
            throw new IllegalArgumentException("crop rows [" + y0 + "," + y1 + ") cols [" + x0 + "," + x1
                    + ") outside a " + height + "x" + width + " image or empty");
        }
        Axis ys = Axis.linear(y1 - y0, outH);
        Axis xs = Axis.linear(x1 - x0, outW);
        float[] out = new float[channels * outH * outW];
        for (int c = 0; c < channels; c++) {
            int plane = c * height * width;
            for (int oy = 0; oy < outH; oy++) {
                int row0 = plane + (y0 + ys.i0[oy]) * width + x0;
                int row1 = plane + (y0 + ys.i1[oy]) * width + x0;
                float wy0 = ys.w0[oy];
                float wy1 = ys.w1[oy];
                int o = (c * outH + oy) * outW;
                for (int ox = 0; ox < outW; ox++) {
                    int a = xs.i0[ox];
                    int b = xs.i1[ox];
                    float wx0 = xs.w0[ox];
                    float wx1 = xs.w1[ox];
                    float top = Math.fma(chw[row0 + a], wx0, chw[row0 + b] * wx1);
                    float bottom = Math.fma(chw[row1 + a], wx0, chw[row1 + b] * wx1);
                    out[o + ox] = Math.fma(top, wy0, bottom * wy1);
                }
            }
        }
        return out;
    }

    /**
     * Nearest-neighbour resize of a row-major boolean grid, PyTorch's {@code nearest} mode:
     * {@code src = min(floor(dst * (float) in / out), in - 1)} per axis.
     */
    public static boolean[] nearest(boolean[] grid, int height, int width, int outH, int outW) {
        if (grid.length != height * width) {
            throw new IllegalArgumentException("expected " + height + "x" + width + " cells, got " + grid.length);
        }
        boolean[] out = new boolean[outH * outW];
        for (int oy = 0; oy < outH; oy++) {
            int sy = nearestIndex(oy, height, outH);
            for (int ox = 0; ox < outW; ox++) {
                out[oy * outW + ox] = grid[sy * width + nearestIndex(ox, width, outW)];
            }
        }
        return out;
    }

    static int nearestIndex(int dst, int in, int out) {
        if (in == out) {
            return dst;
        }
        if (out == 2 * in) {
            return dst >> 1;
        }
        float scale = (float) in / out;
        return Math.min((int) Math.floor(dst * scale), in - 1);
    }

    /**
     * The bilinear resize of one axis (the weights {@link #bilinear} uses) as a matrix: row {@code o} holds the
     * weights output {@code o} gives to the {@code in} source samples. A crop is resized as {@code R_y · X · R_xᵀ},
     * two matrix products a device runs without the crop leaving it.
     *
     * @return {@code [out,in]} row-major
     */
    public static float[] bilinearMatrix(int in, int out) {
        if (in <= 0 || out <= 0) {
            throw new IllegalArgumentException("sizes must be positive, got " + in + " -> " + out);
        }
        Axis axis = Axis.linear(in, out);
        float[] matrix = new float[out * in];
        for (int o = 0; o < out; o++) {
            matrix[o * in + axis.i0[o]] += axis.w0[o];
            matrix[o * in + axis.i1[o]] += axis.w1[o];
        }
        return matrix;
    }

    /** Source indices and weights of bilinear sampling along one axis. */
    private static final class Axis {
        final int[] i0;
        final int[] i1;
        final float[] w0;
        final float[] w1;

        private Axis(int n) {
            i0 = new int[n];
            i1 = new int[n];
            w0 = new float[n];
            w1 = new float[n];
        }

        static Axis linear(int in, int out) {
            Axis axis = new Axis(out);
            float scale = (float) in / out;
            for (int o = 0; o < out; o++) {
                if (in == out) {
                    axis.i0[o] = o;
                    axis.i1[o] = o;
                    axis.w0[o] = 1f;
                    axis.w1[o] = 0f;
                    continue;
                }
                double src = Math.max(scale * (o + 0.5) - 0.5, 0.0);
                int index = (int) src;
                axis.i0[o] = index;
                axis.i1[o] = index < in - 1 ? index + 1 : index;
                float lambda = (float) Math.min(Math.max(src - index, 0.0), 1.0);
                axis.w1[o] = lambda;
                axis.w0[o] = 1f - lambda;
            }
            return axis;
        }
    }
}
