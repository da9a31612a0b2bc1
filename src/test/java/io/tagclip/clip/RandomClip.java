package io.tagclip.clip;

import ai.djl.ndarray.types.Shape;
import io.tagclip.tokenizer.ClipTokenizer;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/** CLIP models with random weights of real dimensions, for tests and benchmarks that need real sizes. */
public final class RandomClip {

    private RandomClip() {}

    /**
     * A model with random weights of the given dimensions. Weights are N(0, 0.02²) (LayerNorm weights 1, biases 0,
     * logit scale ln 100); it has no tokenizer.
     */
    public static ClipModel randomWeights(ClipConfig config, long seed, ClipOptions options) {
        return ClipLoader.build(config, weights(config, seed), null, options, "random-" + seed, "random");
    }

    /**
     * {@link #randomWeights} with CLIP's standard tokenizer ({@link ClipTokenizer#standard}), so text can be encoded;
     * the config's vocabulary must be CLIP's 49,408 tokens.
     */
    public static ClipModel randomWeightsWithTokenizer(ClipConfig config, long seed, ClipOptions options) {
        return ClipLoader.build(
                config,
                weights(config, seed),
                ClipTokenizer.standard(config.contextLength()),
                options,
                "random-" + seed,
                "random");
    }

    /** The random tensors of {@link #randomWeights}, by Hugging Face name, computed on demand. */
    static WeightLayout.TensorSource weights(ClipConfig config, long seed) {
        Map<String, Shape> shapes = WeightLayout.expected(config);
        return name -> {
            int count = (int) shapes.get(name).size();
            float[] values = new float[count];
            if (name.equals(WeightLayout.LOGIT_SCALE)) {
                values[0] = (float) Math.log(100);
            } else if (name.contains("norm") && name.endsWith(".weight")) {
                Arrays.fill(values, 1f);
            } else if (!name.endsWith(".bias")) {
                SplittableRandom random = new SplittableRandom(seed ^ name.hashCode());
                for (int i = 0; i < count; i++) {
                    values[i] = (float) (random.nextGaussian() * 0.02);
                }
            }
            return values;
        };
    }
}
