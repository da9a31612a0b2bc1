package io.tagclip.segment;

import io.tagclip.weights.Fp16;

/**
 * The saved per-label maps at the original size and the label map {@code eval_cam.py} derives from them.
 *
 * <p>{@code attn_highres} is {@code scale_cam_image([cam_refined], (W0, H0))}, saved {@code astype(float16)}. The
 * label map ({@code run_eval_cam}, {@code cam_type attn_highres}, default {@code --cam_eval_thres 2}, which evaluates
 * the exponent 1) reads the float16 maps: background {@code bg = (1 - max_c cam_c)^1} in float16, {@code argmax}
 * over {@code [bg, cam_1..cam_L]} with ties to the lowest index (background first, then label order), and the value
 * of the winner is 0 for background or {@code 1 + key}.
 */
public final class HighResMaps {

    private HighResMaps() {}

    /** {@code scale_cam_image} with a resize: [h,w] -> [H0,W0] float32, before the fp16 cast. */
    public static float[] attnHighres(float[] refined, int height, int width, int outHeight, int outWidth) {
        return LinearResize.resize(GradCam.scale(refined), height, width, outHeight, outWidth);
    }

    /** The fp16 storage of a map, as raw half bits. */
    public static short[] toHalf(float[] map) {
        short[] out = new short[map.length];
        for (int i = 0; i < map.length; i++) {
            out[i] = Fp16.floatToHalf(map[i]);
        }
        return out;
    }

    /**
     * The label map of one image: per pixel 0 (background) or {@code 1 + keys[l]} of the winning label l.
     *
     * @param maps per label, the fp16 maps (raw half bits) of one size
     * @param keys per label, its class index in the vocabulary
     */
    public static byte[] labelMap(short[][] maps, int[] keys) {
        if (maps.length != keys.length) {
            throw new IllegalArgumentException(maps.length + " maps for " + keys.length + " keys");
        }
        if (maps.length == 0) {
            throw new IllegalArgumentException("no maps: an image without labels has no label map");
        }
        int pixels = maps[0].length;
        byte[] out = new byte[pixels];
        for (int i = 0; i < pixels; i++) {
            float max = Float.NEGATIVE_INFINITY;
            for (short[] map : maps) {
                max = Math.max(max, Fp16.halfToFloat(map[i]));
            }
            // np.max of float16 is a float16; 1 - it is rounded to float16 (the exponent 1 changes nothing)
            float best = Fp16.roundToHalf(1f - max);
            int winner = -1;
            for (int l = 0; l < maps.length; l++) {
                float v = Fp16.halfToFloat(maps[l][i]);
                if (v > best) { // strictly: ties keep the earlier index
                    best = v;
                    winner = l;
                }
            }
            out[i] = (byte) (winner < 0 ? 0 : keys[winner] + 1);
        }
        return out;
    }
}
