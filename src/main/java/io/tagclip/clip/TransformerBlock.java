package io.tagclip.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import java.util.List;

/**
 * One pre-LN residual attention block, {@code x + Attn(LN1(x))} then {@code x + MLP(LN2(x))}, written with eager ops
 * so it can add an attention mask and hand back the head-averaged attention probabilities (reference
 * {@code ResidualAttentionBlock} + {@code multi_head_attention_forward} in {@code clip/multi_head_attn.py}).
 *
 * <p>The q, k and v projections are fused into one {@code [3D,D]} weight at load, with the attention scale
 * {@code 1/sqrt(headDim)} folded into the q rows; for head dim 64 the scale is 1/8, a power of two, so folding gives
 * bit-identical logits to scaling q afterwards as the reference does.
 */
final class TransformerBlock {

    /**
     * Shifted logits below this count as probability zero when the self mask's softmax is evaluated: e^-60 ≈ 9e-27
     * of the row maximum cannot change a float32 sum. Without it, the reference's −100 mask yields probabilities near
     * e^-100 ≈ 4e-44, subnormal in float32, on which x86 CPUs fall back to microcode (the reference's first pass runs
     * about 2× slower at 224 because of it).
     */
    static final float MASKED_SOFTMAX_FLUSH_LOGIT = -60f;

    /** How a block masks its attention logits. */
    enum Masking {
        /** No mask. */
        NONE,
        /** The given additive mask (causal −∞, or the CWR class-row −1000), plain softmax. */
        ADDITIVE,
        /**
         * The TagCLIP self mask {@code m·(1−I)} (the given mask; the reference's m is −100): every token attends
         * to itself. In a row where no logit exceeds the diagonal by −m + {@link #MASKED_SOFTMAX_FLUSH_LOGIT} (40
         * for the reference's mask; every row, in practice), the masked softmax is the identity to within e^-60 and
         * the row's output is exactly its V row; the other rows use a softmax that flushes negligible
         * probabilities ({@link #selfMasked}).
         */
        SELF
    }

    private static final float QUICK_GELU_ALPHA = 1.702f;

    private final int width;
    private final int heads;
    private final float eps;
    private final ClipConfig.Activation activation;
    private final NDArray ln1Weight;
    private final NDArray ln1Bias;
    private final NDArray qkvWeight;
    private final NDArray qkvBias;
    private final NDArray outWeight;
    private final NDArray outBias;
    private final NDArray ln2Weight;
    private final NDArray ln2Bias;
    private final NDArray fc1Weight;
    private final NDArray fc1Bias;
    private final NDArray fc2Weight;
    private final NDArray fc2Bias;

    TransformerBlock(
            int width,
            int heads,
            float eps,
            ClipConfig.Activation activation,
            NDArray ln1Weight,
            NDArray ln1Bias,
            NDArray qkvWeight,
            NDArray qkvBias,
            NDArray outWeight,
            NDArray outBias,
            NDArray ln2Weight,
            NDArray ln2Bias,
            NDArray fc1Weight,
            NDArray fc1Bias,
            NDArray fc2Weight,
            NDArray fc2Bias) {
        this.width = width;
        this.heads = heads;
        this.eps = eps;
        this.activation = activation;
        this.ln1Weight = ln1Weight;
        this.ln1Bias = ln1Bias;
        this.qkvWeight = qkvWeight;
        this.qkvBias = qkvBias;
        this.outWeight = outWeight;
        this.outBias = outBias;
        this.ln2Weight = ln2Weight;
        this.ln2Bias = ln2Bias;
        this.fc1Weight = fc1Weight;
        this.fc1Bias = fc1Bias;
        this.fc2Weight = fc2Weight;
        this.fc2Bias = fc2Bias;
    }

    /**
     * Runs the block.
     *
     * @param x residual stream [B,T,D]
     * @param masking how {@code mask} is used
     * @param mask additive attention mask broadcastable to [B,heads,T,T], or null for {@link Masking#NONE}
     * @param attentionSink if not null, receives the head-averaged softmax of the UNMASKED logits [B,T,T]
     * @return the new residual stream [B,T,D]
     */
    NDArray forward(NDArray x, Masking masking, NDArray mask, List<NDArray> attentionSink) {
        return forward(x, masking, mask, null, attentionSink);
    }

    /**
     * As {@link #forward(NDArray, Masking, NDArray, List)} for a padded batch.
     *
     * @param keyMask {@link TokenLayout#keyMask} [B,1,1,T] (−∞ on padded keys), added to the logits before any other
     *                mask and before the recorded softmax, or null when nothing is padded
     */
    NDArray forward(NDArray x, Masking masking, NDArray mask, NDArray keyMask, List<NDArray> attentionSink) {
        if (masking == Masking.SELF) {
            throw new IllegalArgumentException("the self mask needs its value: use forwardSelfMasked");
        }
        return run(x, masking, mask, 0f, keyMask, attentionSink);
    }

    /**
     * Runs the block with the TagCLIP self mask ({@link Masking#SELF}).
     *
     * @param mask     {@code selfMask·(1−I)} [T,T]
     * @param selfMask its off-diagonal value ({@code TagClipParams.lastLayerSelfMask}, −100 in the reference)
     */
    NDArray forwardSelfMasked(NDArray x, NDArray mask, float selfMask, List<NDArray> attentionSink) {
        return forwardSelfMasked(x, mask, selfMask, null, attentionSink);
    }

    /** As {@link #forwardSelfMasked(NDArray, NDArray, float, List)} with a padded batch's key mask (or null). */
    NDArray forwardSelfMasked(NDArray x, NDArray mask, float selfMask, NDArray keyMask, List<NDArray> attentionSink) {
        return run(x, Masking.SELF, mask, selfMask, keyMask, attentionSink);
    }

    /** {@code ln_1} of the residual stream, [B,T,D] -> [B,T,D] (the layer Grad-CAM hooks in CLIP-ES). */
    NDArray normalizeInput(NDArray x) {
        return layerNorm(x, ln1Weight, ln1Bias, eps);
    }

    /**
     * Runs the block, unmasked, on a given {@code ln_1} output: {@code x + Attn(normed)} then the MLP. With
     * {@code normed} a leaf that requires a gradient, the backward pass yields the gradient with respect to
     * {@code ln_1}'s output (the residual {@code x} is a constant there).
     *
     * @param x residual stream [1,T,D] or [B,T,D] (broadcast against {@code normed})
     * @param normed {@code ln_1} output [B,T,D]
     * @param attentionSink if not null, receives the head-averaged attention [B,T,T]
     */
    NDArray forwardFromNormalized(NDArray x, NDArray normed, List<NDArray> attentionSink) {
        return attend(x, normed, Masking.NONE, null, 0f, null, attentionSink);
    }

    private NDArray run(
            NDArray x, Masking masking, NDArray mask, float selfMask, NDArray keyMask, List<NDArray> attentionSink) {
        return attend(x, layerNorm(x, ln1Weight, ln1Bias, eps), masking, mask, selfMask, keyMask, attentionSink);
    }

    private NDArray attend(
            NDArray x,
            NDArray normed, // [B,T,D]
            Masking masking,
            NDArray mask,
            float selfMask,
            NDArray keyMask, // [B,1,1,T] or null
            List<NDArray> attentionSink) {
        Shape shape = normed.getShape();
        long batch = shape.get(0);
        long tokens = shape.get(1);
        int headDim = width / heads;

        NDArray qkv = Linear.linear(normed, qkvWeight, qkvBias).singletonOrThrow(); // [B,T,D] -> [B,T,3D]
        qkv = qkv.reshape(batch, tokens, 3, heads, headDim).transpose(2, 0, 3, 1, 4); // -> [3,B,h,T,hd]
        NDArray q = qkv.get(0); // [B,h,T,hd], already scaled by 1/sqrt(hd)
        NDArray k = qkv.get(1); // [B,h,T,hd]
        NDArray v = qkv.get(2); // [B,h,T,hd]
        NDArray logits = q.matMul(k.transpose(0, 1, 3, 2)); // [B,h,T,hd] x [B,h,hd,T] -> [B,h,T,T]
        if (keyMask != null) {
            // Padded keys are -inf in every row: their weight is exactly 0 in the recorded maps and the output.
            logits = logits.add(keyMask); // [B,h,T,T] + [B,1,1,T]
        }

        NDArray unmasked = masking == Masking.NONE || attentionSink != null ? logits.softmax(-1) : null;
        if (attentionSink != null) {
            attentionSink.add(unmasked.mean(new int[] {1})); // [B,h,T,T] -> [B,T,T]
        }
        NDArray attended; // [B,h,T,hd]
        switch (masking) {
            case NONE -> attended = unmasked.matMul(v); // [B,h,T,T] x [B,h,T,hd] -> [B,h,T,hd]
            case ADDITIVE -> attended = logits.add(mask).softmax(-1).matMul(v);
            case SELF -> attended = selfMasked(logits, mask, selfMask, v);
            default -> throw new IllegalStateException("unknown masking " + masking);
        }
        attended = attended.transpose(0, 2, 1, 3) // [B,h,T,hd] -> [B,T,h,hd]
                .reshape(batch, tokens, width); // -> [B,T,D]
        NDArray residual = x.add(Linear.linear(attended, outWeight, outBias).singletonOrThrow()); // [B,T,D]

        NDArray hidden = Linear.linear(layerNorm(residual, ln2Weight, ln2Bias, eps), fc1Weight, fc1Bias)
                .singletonOrThrow(); // [B,T,D] -> [B,T,M]
        hidden = activate(hidden, activation);
        return residual.add(Linear.linear(hidden, fc2Weight, fc2Bias).singletonOrThrow()); // [B,T,M] -> [B,T,D]
    }

    /**
     * The self-masked attention output [B,h,T,hd]: rows whose mask is the identity take their V row as it is (exact
     * also where a matMul would round: TF32 or half precision on a GPU), the others the flushed softmax. On an
     * accelerator the choice is made per row on the device, so the forward never waits for a host read. On the CPU,
     * where reading the flag copies nothing, a forward whose rows are all self-only (every forward, in practice)
     * skips the masked softmax altogether: at 1,500 tokens that softmax is about eight passes over a [B,12,T,T]
     * tensor of 108 MB per image.
     */
    private static NDArray selfMasked(NDArray logits, NDArray mask, float selfMask, NDArray v) {
        NDArray selfOnly = selfOnlyRows(logits, selfMask); // [B,h,T,1]
        if (!logits.getDevice().isGpu() && selfOnly.all().getBoolean()) {
            return v;
        }
        NDArray masked = logits.add(mask);
        NDArray weights = flushedSoftmax(masked);
        masked.close();
        return NDArrays.where(selfOnly.broadcast(v.getShape()), v, weights.matMul(v)); // [B,h,T,1] -> [B,h,T,hd]
    }

    /**
     * Per row, whether the self mask {@code selfMask·(1−I)} leaves the token attending to itself alone (to within
     * e^-60): no logit of the row exceeds its diagonal logit by {@code −selfMask} + {@link #MASKED_SOFTMAX_FLUSH_LOGIT}
     * or more. Padded keys (−∞ after the key mask) never count, and padded rows always do.
     *
     * @param logits [B,h,T,T]
     * @return boolean [B,h,T,1], on the logits' device
     */
    static NDArray selfOnlyRows(NDArray logits, float selfMask) {
        Shape shape = logits.getShape();
        long tokens = shape.get(3);
        NDArray diagonal = logits.reshape(shape.get(0), shape.get(1), tokens * tokens)
                .get(":, :, ::" + (tokens + 1)); // [B,h,T*T] -> [B,h,T], entries (i,i)
        NDArray gap = logits.max(new int[] {-1}).sub(diagonal); // [B,h,T]: max_j l_ij - l_ii
        NDArray padded = diagonal.eq(Float.NEGATIVE_INFINITY); // a padded token's own key is masked out
        // A padded row's output is never read: counting it as self-only keeps a padded forward on the fast path.
        return gap.lt(-selfMask + MASKED_SOFTMAX_FLUSH_LOGIT).logicalOr(padded).expandDims(-1); // -> [B,h,T,1]
    }

    /**
     * Softmax over the last axis that sets probabilities below e^{@link #MASKED_SOFTMAX_FLUSH_LOGIT} (relative to the
     * row maximum) to exactly zero, so no subnormal float is ever produced.
     */
    static NDArray flushedSoftmax(NDArray logits) {
        NDArray shifted = logits.sub(logits.max(new int[] {-1}, true)); // [..,T] - [..,1] -> [..,T], max entry 0
        NDArray keep = shifted.gte(MASKED_SOFTMAX_FLUSH_LOGIT); // boolean [..,T]
        NDArray clamped = shifted.maximum(MASKED_SOFTMAX_FLUSH_LOGIT); // exp of it is a normal float
        shifted.close(); // the T×T temporaries go as soon as they are used: at most three are alive at once
        NDArray weights = clamped.exp();
        clamped.close();
        weights.muli(keep.toType(weights.getDataType(), false)); // flushed entries exactly 0
        keep.close();
        return weights.divi(weights.sum(new int[] {-1}, true)); // [..,T]
    }

    static NDArray activate(NDArray x, ClipConfig.Activation activation) {
        return switch (activation) {
            case QUICK_GELU -> x.mul(Activation.sigmoid(x.mul(QUICK_GELU_ALPHA))); // x * sigmoid(1.702 x)
            case GELU -> Activation.gelu(x);
        };
    }

    /**
     * LayerNorm over the last axis. Half-precision inputs are normalised in float32 and cast back, as the reference's
     * {@code LayerNorm} subclass does; the parameters are always float32.
     */
    static NDArray layerNorm(NDArray x, NDArray weight, NDArray bias, float eps) {
        DataType type = x.getDataType();
        NDArray input = type == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        NDArray out = LayerNorm.layerNorm(input, new Shape(weight.getShape().get(0)), weight, bias, eps)
                .singletonOrThrow();
        return type == DataType.FLOAT32 ? out : out.toType(type, false);
    }
}
