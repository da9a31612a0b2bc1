package io.tagclip.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Per-op timing of one TagCLIP first-pass block (the op sequence of {@code TransformerBlock.run} with the attention
 * map recorded, as every block but the last runs it) at ViT-B/16 width and a given token count, plus the per-forward
 * stacking of the twelve maps. Each op runs on its own inputs, prepared beforehand, and is timed alone (eager libtorch
 * on the CPU returns when the op is done), median of several runs; the ops and their shapes are the block's, the
 * weights random. This is the benchmark-side timing wrapper; the model code carries no timers.
 */
public final class BlockOpProfile {

    private static final int RUNS = 5;

    private BlockOpProfile() {}

    /** Median milliseconds per op, in block order, for one image of {@code tokens} tokens. */
    public static Map<String, Double> profile(NDManager parent, ClipConfig c, int tokens) {
        int d = c.visionWidth();
        int heads = c.visionHeads();
        int hd = d / heads;
        int m = c.visionMlpWidth();
        Map<String, Double> ms = new LinkedHashMap<>();
        try (NDManager s = parent.newSubManager()) {
            NDArray x = s.randomNormal(new Shape(1, tokens, d)); // [B,T,D]
            NDArray lnW = s.ones(new Shape(d));
            NDArray lnB = s.zeros(new Shape(d));
            NDArray qkvW = s.randomNormal(0, 0.02f, new Shape(3L * d, d), DataType.FLOAT32);
            NDArray qkvB = s.zeros(new Shape(3L * d));
            NDArray outW = s.randomNormal(0, 0.02f, new Shape(d, d), DataType.FLOAT32);
            NDArray outB = s.zeros(new Shape(d));
            NDArray fc1W = s.randomNormal(0, 0.02f, new Shape(m, d), DataType.FLOAT32);
            NDArray fc1B = s.zeros(new Shape(m));
            NDArray fc2W = s.randomNormal(0, 0.02f, new Shape(d, m), DataType.FLOAT32);
            NDArray fc2B = s.zeros(new Shape(d));

            NDArray normed = TransformerBlock.layerNorm(x, lnW, lnB, c.visionEps());
            NDArray qkv = Linear.linear(normed, qkvW, qkvB).singletonOrThrow();
            NDArray split = qkv.reshape(1, tokens, 3, heads, hd).transpose(2, 0, 3, 1, 4); // [3,B,h,T,hd]
            NDArray q = split.get(0);
            NDArray k = split.get(1);
            NDArray v = split.get(2);
            NDArray logits = q.matMul(k.transpose(0, 1, 3, 2)); // [B,h,T,T]
            NDArray probs = logits.softmax(-1);
            NDArray attended = probs.matMul(v); // [B,h,T,hd]
            NDArray merged = attended.transpose(0, 2, 1, 3).reshape(1, tokens, d); // [B,T,D]
            NDArray residual = x.add(Linear.linear(merged, outW, outB).singletonOrThrow());
            NDArray hidden = Linear.linear(residual, fc1W, fc1B).singletonOrThrow(); // [B,T,M]
            NDArray activated = TransformerBlock.activate(hidden, ClipConfig.Activation.QUICK_GELU);
            List<NDArray> maps = new ArrayList<>();
            for (int l = 0; l < c.visionLayers(); l++) {
                maps.add(probs.mean(new int[] {1})); // [B,T,T]
            }

            ms.put("LayerNorm ×2", 2 * time(() -> TransformerBlock.layerNorm(x, lnW, lnB, c.visionEps())));
            ms.put(
                    "q/k/v projection [T,D]x[D,3D]",
                    time(() -> Linear.linear(normed, qkvW, qkvB).singletonOrThrow()));
            ms.put("Q·Kᵀ [h,T,hd]x[h,hd,T]", time(() -> q.matMul(k.transpose(0, 1, 3, 2))));
            ms.put("softmax [h,T,T]", time(() -> logits.softmax(-1)));
            ms.put("head mean [h,T,T] -> [T,T]", time(() -> probs.mean(new int[] {1})));
            ms.put("P·V [h,T,T]x[h,T,hd]", time(() -> probs.matMul(v)));
            ms.put(
                    "merge heads (copy)",
                    time(() -> attended.transpose(0, 2, 1, 3).reshape(1, tokens, d)));
            ms.put(
                    "out projection + residual",
                    time(() -> x.add(Linear.linear(merged, outW, outB).singletonOrThrow())));
            ms.put(
                    "MLP fc1 [T,D]x[D,4D]",
                    time(() -> Linear.linear(residual, fc1W, fc1B).singletonOrThrow()));
            ms.put(
                    "quick GELU [T,4D]",
                    time(() -> TransformerBlock.activate(hidden, ClipConfig.Activation.QUICK_GELU)));
            ms.put(
                    "MLP fc2 [T,4D]x[4D,D] + residual",
                    time(() -> residual.add(Linear.linear(activated, fc2W, fc2B).singletonOrThrow())));
            ms.put(
                    "per forward: stack 12 maps /12",
                    time(() -> NDArrays.stack(new NDList(maps), 0)) / c.visionLayers());
        }
        return ms;
    }

    /**
     * Median milliseconds of {@code op}. Each run frees everything it made (the op's intermediates too, as a block's
     * scope does in a forward): memory left behind would make the next run touch fresh pages, which costs more than
     * some ops themselves on a virtual machine.
     */
    private static double time(Supplier<NDArray> op) {
        runFreeing(op);
        double[] times = new double[RUNS];
        for (int r = 0; r < RUNS; r++) {
            times[r] = runFreeing(op);
        }
        Arrays.sort(times);
        return times[RUNS / 2];
    }

    private static double runFreeing(Supplier<NDArray> op) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            long t0 = System.nanoTime();
            op.get();
            return (System.nanoTime() - t0) / 1e6;
        }
    }
}
