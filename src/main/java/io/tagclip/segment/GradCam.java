package io.tagclip.segment;

/**
 * Grad-CAM on the last block's {@code ln_1} output, as CLIP-ES's {@code pytorch_grad_cam} computes it with one
 * target layer (Selvaraju et al. 2017, arXiv 1610.02391): channel weights are the gradient's mean over the patch
 * grid, the map is the weighted sum of the activation's channels, ReLU, then {@code scale_cam_image} twice (once per
 * layer, once after the mean over the single layer), each with its {@code 1e-7}.
 */
public final class GradCam {

    private GradCam() {}

    /** Mean of the gradient over the patches, per channel: [N,D] -> [D] ({@code np.mean(grads, axis=(2, 3))}). */
    public static float[] channelWeights(float[] gradients, int patches, int channels) {
        check(gradients, patches, channels);
        double[] sums = new double[channels];
        for (int n = 0; n < patches; n++) {
            for (int d = 0; d < channels; d++) {
                sums[d] += gradients[n * channels + d];
            }
        }
        float[] out = new float[channels];
        for (int d = 0; d < channels; d++) {
            out[d] = (float) (sums[d] / patches);
        }
        return out;
    }

    /** {@code Σ_D weights·activation} per patch, before the ReLU: [N,D] x [D] -> [N]. */
    public static float[] raw(float[] activations, float[] weights, int patches) {
        int channels = weights.length;
        check(activations, patches, channels);
        float[] out = new float[patches];
        for (int n = 0; n < patches; n++) {
            float sum = 0f; // float32 like numpy's sum over the channel axis
            for (int d = 0; d < channels; d++) {
                sum += weights[d] * activations[n * channels + d];
            }
            out[n] = sum;
        }
        return out;
    }

    /** The Grad-CAM map in [0,1) ({@code grayscale_cam}): ReLU of {@link #raw}, then {@link #scale} twice. */
    public static float[] grayscale(float[] activations, float[] gradients, int patches, int channels) {
        float[] cam = raw(activations, channelWeights(gradients, patches, channels), patches);
        for (int i = 0; i < cam.length; i++) {
            cam[i] = Math.max(cam[i], 0f);
        }
        return scale(scale(cam));
    }

    /**
     * {@code scale_cam_image} without a resize: {@code (x - min) / (1e-7 + max)} in float32, where NumPy evaluates
     * {@code 1e-7 + max} in float64 and then divides the float32 array by it as a float32 scalar. Its maximum is just
     * below 1 (0.99999988 after the two passes), which the u8 cut of {@link CamBoxes} depends on.
     */
    public static float[] scale(float[] map) {
        float min = Float.POSITIVE_INFINITY;
        for (float v : map) {
            min = Math.min(min, v);
        }
        float[] out = new float[map.length];
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < map.length; i++) {
            out[i] = map[i] - min;
            max = Math.max(max, out[i]);
        }
        float denominator = (float) (ClsSegParams.SCALE_EPSILON + (double) max);
        for (int i = 0; i < out.length; i++) {
            out[i] = out[i] / denominator;
        }
        return out;
    }

    private static void check(float[] values, int patches, int channels) {
        if (values.length != patches * channels) {
            throw new IllegalArgumentException("expected [" + patches + "," + channels + "] = " + patches * channels
                    + " values, got " + values.length);
        }
    }
}
