package io.tagclip.clip;

import io.tagclip.weights.Fp16;

/**
 * Resizes the vision positional embedding to another patch grid the way the reference does
 * ({@code upsample_pos_emb} in {@code clip/clip_model.py}): the patch rows, seen as a [D,g,g] image, are resized
 * bilinearly (align_corners=false, no antialias, PyTorch's CPU arithmetic order), the class row is put back in front,
 * and the whole table is rounded to fp16 and back (the reference stores it with {@code .half()}).
 */
final class PositionalEmbeddings {

    private PositionalEmbeddings() {}

    /**
     * Bilinear resize of the patch part of {@code table} ([1+g*g, D] row-major) to a {@code rows x cols} grid,
     * without fp16 rounding; returns [1+rows*cols, D] row-major.
     */
    static float[] interpolate(float[] table, int grid, int width, int rows, int cols) {
        if ((long) (1 + grid * grid) * width != table.length) {
            throw new IllegalArgumentException(
                    "positional table has " + table.length + " values, expected (1+" + grid + "^2)*" + width);
        }
        float[] out = new float[(1 + rows * cols) * width];
        System.arraycopy(table, 0, out, 0, width); // class-token row is not resized
        Axis vertical = Axis.of(grid, rows);
        Axis horizontal = Axis.of(grid, cols);
        for (int r = 0; r < rows; r++) {
            int top = vertical.index0[r];
            int bottom = vertical.index1[r];
            float topWeight = vertical.lambda0[r];
            float bottomWeight = vertical.lambda1[r];
            for (int c = 0; c < cols; c++) {
                int left = horizontal.index0[c];
                int right = horizontal.index1[c];
                float leftWeight = horizontal.lambda0[c];
                float rightWeight = horizontal.lambda1[c];
                int topLeft = (1 + top * grid + left) * width;
                int topRight = (1 + top * grid + right) * width;
                int bottomLeft = (1 + bottom * grid + left) * width;
                int bottomRight = (1 + bottom * grid + right) * width;
                int target = (1 + r * cols + c) * width;
                for (int d = 0; d < width; d++) {
                    // PyTorch's CPU kernel computes t0 * w0 + t1 * w1, which its compiler contracts to
                    // fma(t0, w0, t1 * w1); the same contraction reproduces the reference bit for bit.
                    float upper = Math.fma(table[topLeft + d], leftWeight, table[topRight + d] * rightWeight);
                    float lower = Math.fma(table[bottomLeft + d], leftWeight, table[bottomRight + d] * rightWeight);
                    out[target + d] = Math.fma(upper, topWeight, lower * bottomWeight);
                }
            }
        }
        return out;
    }

    /** What the reference's first pass uses at a {@code rows x cols} grid: interpolated, then fp16-rounded. */
    static float[] forGrid(float[] table, int grid, int width, int rows, int cols) {
        float[] out = interpolate(table, grid, width, rows, cols);
        for (int i = 0; i < out.length; i++) {
            out[i] = Fp16.roundToHalf(out[i]);
        }
        return out;
    }

    /** Source indices and weights along one axis, as PyTorch's {@code compute_source_index_and_lambda}. */
    private record Axis(int[] index0, int[] index1, float[] lambda0, float[] lambda1) {

        static Axis of(int inputSize, int outputSize) {
            int[] index0 = new int[outputSize];
            int[] index1 = new int[outputSize];
            float[] lambda0 = new float[outputSize];
            float[] lambda1 = new float[outputSize];
            float scale = (float) inputSize / outputSize;
            for (int o = 0; o < outputSize; o++) {
                if (inputSize == outputSize) {
                    index0[o] = o;
                    index1[o] = o;
                    lambda0[o] = 1f;
                    lambda1[o] = 0f;
                    continue;
                }
                // The source index is computed in double (PyTorch's CPU accumulate type for float), from the
                // float scale; the weights are then stored as float.
                double source = Math.max(scale * (o + 0.5) - 0.5, 0.0);
                int i0 = (int) source;
                index0[o] = i0;
                index1[o] = i0 < inputSize - 1 ? i0 + 1 : i0;
                float l1 = (float) Math.min(Math.max(source - i0, 0.0), 1.0);
                lambda1[o] = l1;
                lambda0[o] = 1f - l1;
            }
            return new Axis(index0, index1, lambda0, lambda1);
        }
    }
}
