package io.tagclip.segment;

/**
 * {@code cv2.resize(src, (W, H))} with the default {@code INTER_LINEAR} on a float32 map: half-pixel centres
 * ({@code sx = (dx + 0.5) * srcW / W - 0.5}), the source clamped at the borders, float32 weights {@code 1 - f} and
 * {@code f}, the horizontal pass first and then the vertical one, as OpenCV's generic resize does for floats.
 */
public final class LinearResize {

    private LinearResize() {}

    /** Resizes a row-major {@code height x width} map to {@code outHeight x outWidth}. */
    public static float[] resize(float[] src, int height, int width, int outHeight, int outWidth) {
        if (src.length != height * width || height < 1 || width < 1 || outHeight < 1 || outWidth < 1) {
            throw new IllegalArgumentException("cannot resize " + src.length + " values as " + height + "x" + width
                    + " to " + outHeight + "x" + outWidth);
        }
        int[] x0 = new int[outWidth];
        float[] fx = new float[outWidth];
        taps(width, outWidth, x0, fx);
        int[] y0 = new int[outHeight];
        float[] fy = new float[outHeight];
        taps(height, outHeight, y0, fy);
        float[] rows = new float[height * outWidth]; // horizontal pass [h][W]
        for (int y = 0; y < height; y++) {
            for (int dx = 0; dx < outWidth; dx++) {
                int sx = x0[dx];
                int sx1 = Math.min(sx + 1, width - 1);
                float a = fx[dx];
                rows[y * outWidth + dx] = src[y * width + sx] * (1f - a) + src[y * width + sx1] * a;
            }
        }
        float[] out = new float[outHeight * outWidth];
        for (int dy = 0; dy < outHeight; dy++) {
            int sy = y0[dy];
            int sy1 = Math.min(sy + 1, height - 1);
            float b = fy[dy];
            for (int dx = 0; dx < outWidth; dx++) {
                out[dy * outWidth + dx] = rows[sy * outWidth + dx] * (1f - b) + rows[sy1 * outWidth + dx] * b;
            }
        }
        return out;
    }

    /** Source index and weight of the second tap per output index, with OpenCV's border clamping. */
    private static void taps(int in, int out, int[] index, float[] weight) {
        double scale = 1.0 / ((double) out / in); // OpenCV: scale_x = 1. / inv_scale_x, inv_scale_x = W / w
        for (int d = 0; d < out; d++) {
            float f = (float) ((d + 0.5) * scale - 0.5);
            int s = (int) Math.floor(f);
            f -= s;
            if (s < 0) {
                s = 0;
                f = 0f;
            }
            if (s >= in - 1) {
                s = in - 1;
                f = 0f;
            }
            index[d] = s;
            weight[d] = f;
        }
    }
}
