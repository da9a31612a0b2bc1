package io.tagclip.inference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tagclip.tagging.TagClipBackbone;
import io.tagclip.vocab.TextTable;
import java.util.List;
import java.util.Random;

/**
 * A stand-in CLIP for pipeline tests: outputs are pseudo-random but a pure function of the input's shape and
 * content sum, so the same image always gets the same result. A forward that contains an image whose top-left
 * pixel is black throws, as an engine failure would.
 */
final class RandomBackbone implements TagClipBackbone, TextTable.NameEmbedder {

    static final int EMBED = 8;
    static final int LAYERS = 12;

    /** Normalised red value of a black pixel: (0 - mean) / std. */
    private static final float BLACK_RED = (0f - 0.48145466f) / 0.26862954f;

    @Override
    public float logitScale() {
        return 100f;
    }

    @Override
    public Vision encodeTagClip(NDArray images, float selfMask) {
        Shape s = images.getShape();
        float[] topLeftRed = images.get(":, 0, 0, 0").toFloatArray();
        for (float v : topLeftRed) {
            if (v == BLACK_RED) {
                throw new IllegalStateException("simulated engine failure");
            }
        }
        int b = (int) s.get(0);
        int tokens = 1 + (int) (s.get(2) / 16 * (s.get(3) / 16));
        Random random = new Random(seed(images));
        NDManager m = images.getManager();
        NDArray features = m.create(gaussian(random, b * tokens * EMBED), new Shape(b, tokens, EMBED));
        NDArray logits = m.create(gaussian(random, LAYERS * b * tokens * tokens), new Shape(LAYERS, b, tokens, tokens));
        return new Vision(features, logits.softmax(-1));
    }

    @Override
    public NDArray encodeClassMasked(NDArray images, NDArray classRowMask) {
        Random random = new Random(seed(images) ^ seed(classRowMask));
        int b = (int) images.getShape().get(0);
        return images.getManager().create(gaussian(random, b * EMBED), new Shape(b, EMBED));
    }

    @Override
    public NDArray embed(List<String> names, NDManager manager) {
        float[] rows = new float[names.size() * EMBED];
        for (int i = 0; i < names.size(); i++) {
            float[] row = gaussian(new Random(names.get(i).hashCode()), EMBED);
            System.arraycopy(row, 0, rows, i * EMBED, EMBED);
        }
        NDArray table = manager.create(rows, new Shape(names.size(), EMBED));
        return table.div(table.norm(new int[] {-1}, true));
    }

    private static long seed(NDArray array) {
        return array.getShape().hashCode() * 31L
                + Float.floatToIntBits(array.sum().getFloat());
    }

    private static float[] gaussian(Random random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }
}
