package io.tagclip.preprocess;

import io.tagclip.image.RgbImage;

/**
 * TagCLIP's reference image transform (classify.py {@code _transform_resize}): resize to the smallest multiples of
 * the patch size that are at least the image's size with Pillow's bicubic filter, scale to [0,1] and normalise
 * per channel with OpenAI CLIP's mean and standard deviation. No crop: the whole image keeps its aspect ratio up to
 * at most 15 pixels per side.
 */
public final class ClipTransform {

    /** OpenAI CLIP's per-channel pixel mean (R, G, B), as in {@code clip.py _transform}. */
    public static final float[] MEAN = {0.48145466f, 0.4578275f, 0.40821073f};

    /** OpenAI CLIP's per-channel pixel standard deviation (R, G, B), as in {@code clip.py _transform}. */
    public static final float[] STD = {0.26862954f, 0.26130258f, 0.27577711f};

    private ClipTransform() {}

    /** {@code ceil(size / patch) * patch}: the reference never shrinks, it rounds each side up. */
    public static int roundUpToPatch(int size, int patch) {
        if (size <= 0 || patch <= 0) {
            throw new IllegalArgumentException("size and patch must be positive, got " + size + " and " + patch);
        }
        return Math.floorDiv(size + patch - 1, patch) * patch;
    }

    /** The reference transform: bicubic resize to multiples of {@code patch}, then {@link #normalize}. */
    public static ClipImage reference(RgbImage image, int patch) {
        int width = roundUpToPatch(image.width(), patch);
        int height = roundUpToPatch(image.height(), patch);
        RgbImage resized = PillowBicubic.resize(image, width, height);
        return new ClipImage(normalize(resized), width, height, image.width(), image.height());
    }

    /**
     * Throughput mode's transform: bicubic resize (Pillow's filter, which antialiases when shrinking) to an explicit
     * {@code width x height}, then {@link #normalize}.
     */
    public static ClipImage toSize(RgbImage image, int width, int height) {
        RgbImage resized = PillowBicubic.resize(image, width, height);
        return new ClipImage(normalize(resized), width, height, image.width(), image.height());
    }

    /**
     * 8-bit interleaved RGB to normalised channel-major floats, in float32 arithmetic in the order torchvision uses
     * ({@code ToTensor}: v / 255, then {@code Normalize}: (x - mean) / std), so that values match bit for bit.
     */
    public static float[] normalize(RgbImage image) {
        int plane = image.width() * image.height();
        byte[] px = image.pixels();
        float[] out = new float[3 * plane];
        for (int c = 0; c < 3; c++) {
            float mean = MEAN[c];
            float std = STD[c];
            int offset = c * plane;
            for (int i = 0; i < plane; i++) {
                float v = (px[i * 3 + c] & 0xFF) / 255f;
                out[offset + i] = (v - mean) / std;
            }
        }
        return out;
    }
}
