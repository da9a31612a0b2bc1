package io.tagclip.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import java.util.ArrayList;
import java.util.List;

/**
 * The CLIP text transformer (reference {@code CLIP.encode_text}): token and positional embeddings, causal pre-LN
 * blocks, {@code ln_final} at the end token, projection.
 *
 * <p>Because the mask is causal, the state at the end token depends only on the tokens up to it, so each batch runs
 * only up to its longest end-token position (about 20 of the 77 positions for prompts): the same result, a quarter of
 * the work.
 */
final class TextTower {

    private final ClipConfig config;
    private final NDArray tokenEmbedding; // [V, D]
    private final NDArray positional; // [C, D]
    private final List<TransformerBlock> blocks;
    private final NDArray lnFinalWeight;
    private final NDArray lnFinalBias;
    private final NDArray projection; // [E, D]

    private TextTower(
            ClipConfig config,
            NDArray tokenEmbedding,
            NDArray positional,
            List<TransformerBlock> blocks,
            NDArray lnFinalWeight,
            NDArray lnFinalBias,
            NDArray projection) {
        this.config = config;
        this.tokenEmbedding = tokenEmbedding;
        this.positional = positional;
        this.blocks = blocks;
        this.lnFinalWeight = lnFinalWeight;
        this.lnFinalBias = lnFinalBias;
        this.projection = projection;
    }

    static TextTower load(ClipConfig c, WeightLayout.TensorSource source, WeightLayout.Allocator alloc) {
        String e = WeightLayout.TEXT + "embeddings.";
        int d = c.textWidth();
        List<TransformerBlock> blocks = new ArrayList<>();
        for (int i = 0; i < c.textLayers(); i++) {
            blocks.add(WeightLayout.block(
                    WeightLayout.TEXT,
                    i,
                    d,
                    c.textHeads(),
                    c.textMlpWidth(),
                    c.textEps(),
                    c.textActivation(),
                    source,
                    alloc));
        }
        return new TextTower(
                c,
                alloc.weight(source.read(e + "token_embedding.weight"), new Shape(c.vocabSize(), d)),
                alloc.weight(source.read(e + "position_embedding.weight"), new Shape(c.contextLength(), d)),
                List.copyOf(blocks),
                alloc.float32(source.read(WeightLayout.TEXT + "final_layer_norm.weight"), new Shape(d)),
                alloc.float32(source.read(WeightLayout.TEXT + "final_layer_norm.bias"), new Shape(d)),
                alloc.weight(source.read("text_projection.weight"), new Shape(c.embedDim(), d)));
    }

    /**
     * Encodes token rows.
     *
     * @param scope manager for the intermediates, on the model's device
     * @param ids token ids, row-major [T][contextLength]
     * @param type compute dtype
     * @return projected end-token states [T,E] (not normalised)
     */
    NDArray encode(NDManager scope, long[][] ids, DataType type) {
        int rows = ids.length;
        int[] end = new int[rows];
        int length = 1;
        for (int t = 0; t < rows; t++) {
            end[t] = endPosition(ids[t]);
            length = Math.max(length, end[t] + 1);
        }
        long[] truncated = new long[rows * length];
        long[] pooled = new long[rows];
        for (int t = 0; t < rows; t++) {
            for (int i = 0; i < length; i++) {
                long id = ids[t][i];
                if (id < 0 || id >= config.vocabSize()) {
                    throw new IllegalArgumentException("token id " + id + " at [" + t + "," + i
                            + "] is outside the vocabulary of " + config.vocabSize());
                }
                truncated[t * length + i] = id;
            }
            pooled[t] = (long) t * length + end[t];
        }
        NDArray tokens = scope.create(truncated, new Shape(rows, length)); // [T,L] int64
        NDArray x =
                Embedding.embedding(tokens, tokenEmbedding, SparseFormat.DENSE).singletonOrThrow(); // [T,L,D]
        x = x.add(positional.get("0:" + length)); // + [L,D]
        NDArray causal = causalMask(scope, length).toType(type, false); // [L,L]
        for (TransformerBlock block : blocks) {
            // Each block's intermediates (attention logits, the MLP's [T,L,4D]) are freed when it ends.
            x = VisionTower.forwardAndRelease(
                    block, x, TransformerBlock.Masking.ADDITIVE, causal, 0f, null); // no self mask
        }
        NDArray flat = x.reshape((long) rows * length, config.textWidth()); // [T,L,D] -> [T*L,D]
        NDArray endStates = Embedding.embedding(scope.create(pooled), flat, SparseFormat.DENSE)
                .singletonOrThrow(); // -> [T,D]
        NDArray normed = TransformerBlock.layerNorm(endStates, lnFinalWeight, lnFinalBias, config.textEps());
        return Linear.linear(normed, projection).singletonOrThrow(); // [T,D] -> [T,E]
    }

    /** Position of the end token: the first occurrence of the row's largest id (49407), as {@code argmax}. */
    static int endPosition(long[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) {
            if (row[i] > row[best]) {
                best = i;
            }
        }
        return best;
    }

    /** {@code -inf} above the diagonal, 0 elsewhere ({@code CLIP.build_attention_mask}). */
    private static NDArray causalMask(NDManager scope, int length) {
        float[] mask = new float[length * length];
        for (int i = 0; i < length; i++) {
            for (int j = i + 1; j < length; j++) {
                mask[i * length + j] = Float.NEGATIVE_INFINITY;
            }
        }
        return scope.create(mask, new Shape(length, length));
    }
}
