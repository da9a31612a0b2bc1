package io.tagclip.inference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tagclip.batch.FirstPassMemory;
import io.tagclip.clip.LayerMaps;
import io.tagclip.clip.TokenLayout;
import io.tagclip.tagging.TagClipBackbone;
import io.tagclip.vocab.TextTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in CLIP for pipeline tests: outputs are pseudo-random but a pure function of the input's shape and
 * content sum, so the same image always gets the same result. A forward that contains an image whose top-left
 * pixel is black throws, as an engine failure would.
 */
final class RandomBackbone implements TagClipBackbone, TextTable.NameEmbedder {

    static final int EMBED = 8;
    /** The images of each first-pass forward, in call order. */
    final List<Integer> firstPassSizes = new CopyOnWriteArrayList<>();

    private final int layers;
    private final FirstPassMemory memory;

    /** ViT-B/16's 12 vision layers. */
    RandomBackbone() {
        this(12);
    }

    /** {@code layers} layers of one head of width {@link #EMBED}: a small estimate of first-pass memory. */
    RandomBackbone(int layers) {
        this(new FirstPassMemory(layers, 1, EMBED, 4 * EMBED, false));
    }

    /** A stand-in whose first-pass memory is estimated as for a model of these dimensions. */
    RandomBackbone(FirstPassMemory memory) {
        this.layers = memory.layers();
        this.memory = memory;
    }

    /** Normalised red value of a black pixel: (0 - mean) / std. */
    private static final float BLACK_RED = (0f - 0.48145466f) / 0.26862954f;

    @Override
    public FirstPassMemory firstPassMemory() {
        return memory;
    }

    @Override
    public float logitScale() {
        return 100f;
    }

    /**
     * Each image's outputs come from its own seed, laid out as the real forward lays out a padded batch: sequences
     * padded at the end to the longest, padded key columns zero in every map.
     */
    @Override
    public Vision encodeTagClip(List<NDArray> images, float selfMask, LayerMaps layerMaps) {
        for (NDArray image : images) {
            if (image.get("0, 0, 0").toFloatArray()[0] == BLACK_RED) {
                throw new IllegalStateException("simulated engine failure");
            }
        }
        firstPassSizes.add(images.size());
        List<TokenLayout.Grid> grids = new ArrayList<>();
        for (NDArray image : images) {
            grids.add(new TokenLayout.Grid(
                    (int) image.getShape().get(1) / 16, (int) image.getShape().get(2) / 16));
        }
        TokenLayout layout = new TokenLayout(grids);
        int t = layout.paddedTokens();
        NDManager m = images.get(0).getManager();
        NDList features = new NDList();
        NDList maps = new NDList();
        for (int b = 0; b < images.size(); b++) {
            int tokens = layout.tokens(b);
            Random random = new Random(seed(images.get(b).expandDims(0)));
            NDArray f = m.create(gaussian(random, tokens * EMBED), new Shape(1, tokens, EMBED));
            NDArray a = m.create(gaussian(random, layers * tokens * tokens), new Shape(layers, 1, tokens, tokens))
                    .softmax(-1);
            if (tokens < t) {
                f = f.concat(m.zeros(new Shape(1, t - tokens, EMBED)), 1); // [1,T,E]
                a = a.concat(m.zeros(new Shape(layers, 1, tokens, t - tokens)), 3) // [L,1,t,T]
                        .concat(m.zeros(new Shape(layers, 1, t - tokens, t)), 2); // [L,1,T,T]
            }
            features.add(f);
            maps.add(a);
        }
        LayerMaps.handOver(NDArrays.concat(maps, 1), layerMaps); // B x [L,1,T,T] -> [L,B,T,T]
        return new Vision(NDArrays.concat(features, 0), layout);
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
