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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CLIP vision transformer (reference {@code VisionTransformer} in {@code clip/clip_model.py}): patch embedding,
 * class token, positional embedding, {@code ln_pre}, pre-LN blocks, {@code ln_post} and the projection.
 */
final class VisionTower {

    /** Grids whose fp16-rounded positional tables are kept (a few KiB to a few MiB each). */
    private static final int POSITIONAL_CACHE_SIZE = 32;

    /** What one forward does with masks. */
    enum Mode {
        /** No mask anywhere (plain CLIP). */
        PLAIN,
        /**
         * TagCLIP first pass: {@code selfMask * (1 - I)} added in the last block only (the reference's
         * {@code ResidualAttentionBlock.attention}, {@code layer == 11}), unmasked attention recorded.
         */
        TAGCLIP,
        /** CWR: an additive mask on the class token's attention row in every block. */
        CLASS_ROW_MASKED
    }

    private final ClipConfig config;
    private final NDArray patchWeight; // [D, 3*P*P]
    private final NDArray classEmbedding; // [D]
    private final NDArray positional; // [1+g*g, D]
    private final float[] positionalHost; // [1+g*g, D] row-major, float32 as loaded
    private final NDArray lnPreWeight;
    private final NDArray lnPreBias;
    private final List<TransformerBlock> blocks;
    private final NDArray lnPostWeight;
    private final NDArray lnPostBias;
    private final NDArray projection; // [E, D]
    private final Map<Long, float[]> positionalCache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, float[]> eldest) {
            return size() > POSITIONAL_CACHE_SIZE;
        }
    };

    private VisionTower(
            ClipConfig config,
            NDArray patchWeight,
            NDArray classEmbedding,
            NDArray positional,
            float[] positionalHost,
            NDArray lnPreWeight,
            NDArray lnPreBias,
            List<TransformerBlock> blocks,
            NDArray lnPostWeight,
            NDArray lnPostBias,
            NDArray projection) {
        this.config = config;
        this.patchWeight = patchWeight;
        this.classEmbedding = classEmbedding;
        this.positional = positional;
        this.positionalHost = positionalHost;
        this.lnPreWeight = lnPreWeight;
        this.lnPreBias = lnPreBias;
        this.blocks = blocks;
        this.lnPostWeight = lnPostWeight;
        this.lnPostBias = lnPostBias;
        this.projection = projection;
    }

    static VisionTower load(ClipConfig c, WeightLayout.TensorSource source, WeightLayout.Allocator alloc) {
        String e = WeightLayout.VISION + "embeddings.";
        int d = c.visionWidth();
        int p = c.patchSize();
        float[] positional = source.read(e + "position_embedding.weight");
        List<TransformerBlock> blocks = new ArrayList<>();
        for (int i = 0; i < c.visionLayers(); i++) {
            blocks.add(WeightLayout.block(
                    WeightLayout.VISION,
                    i,
                    d,
                    c.visionHeads(),
                    c.visionMlpWidth(),
                    c.visionEps(),
                    c.visionActivation(),
                    source,
                    alloc));
        }
        return new VisionTower(
                c,
                alloc.weight(source.read(e + "patch_embedding.weight"), new Shape(d, 3L * p * p)),
                alloc.weight(source.read(e + "class_embedding"), new Shape(d)),
                alloc.weight(positional, new Shape(c.visionTokens(), d)),
                positional,
                alloc.float32(source.read(WeightLayout.VISION + "pre_layrnorm.weight"), new Shape(d)),
                alloc.float32(source.read(WeightLayout.VISION + "pre_layrnorm.bias"), new Shape(d)),
                List.copyOf(blocks),
                alloc.float32(source.read(WeightLayout.VISION + "post_layernorm.weight"), new Shape(d)),
                alloc.float32(source.read(WeightLayout.VISION + "post_layernorm.bias"), new Shape(d)),
                alloc.weight(source.read("visual_projection.weight"), new Shape(c.embedDim(), d)));
    }

    /**
     * Embeds and encodes {@code images}, returning the residual stream after the last block [B,1+N,D].
     *
     * @param images [B,3,H,W] in the compute dtype, on the model's device, owned by {@code scope}
     * @param mode masking behaviour
     * @param selfMask off-diagonal value of the last block's self mask (mode TAGCLIP; the reference's −100)
     * @param classRowMask [B,1+N] additive values for the class token's row (mode CLASS_ROW_MASKED), else null
     * @param attentionSink receives one head-averaged [B,1+N,1+N] map per block, or null
     */
    NDArray encode(
            NDManager scope,
            NDArray images,
            Mode mode,
            float selfMask,
            NDArray classRowMask,
            List<NDArray> attentionSink) {
        return encode(scope, images, mode, selfMask, classRowMask, attentionSink, VisionTrace.NONE);
    }

    /**
     * As {@link #encode(NDManager, NDArray, Mode, float, NDArray, List)}, for tests that look inside: {@code trace}
     * receives the residual stream after each block and may pin the positional table.
     */
    NDArray encode(
            NDManager scope,
            NDArray images,
            Mode mode,
            float selfMask,
            NDArray classRowMask,
            List<NDArray> attentionSink,
            VisionTrace trace) {
        Shape shape = images.getShape();
        long batch = shape.get(0);
        int p = config.patchSize();
        long tokens = (shape.get(2) / p) * (shape.get(3) / p) + 1;
        NDArray x = embed(scope, images, trace); // [B,3,H,W] -> [B,1+N,D]

        NDArray lastMask = null;
        NDArray everyMask = null;
        if (mode == Mode.TAGCLIP) {
            // m * (1 - I) == -m * I + m, exact in float32 for m = -100.
            lastMask = scope.eye((int) tokens)
                    .mul(-selfMask)
                    .add(selfMask) // [T,T]
                    .toType(x.getDataType(), false);
        } else if (mode == Mode.CLASS_ROW_MASKED) {
            NDArray otherRows = scope.zeros(new Shape(batch, tokens - 1, tokens), x.getDataType()); // [B,T-1,T]
            everyMask = classRowMask
                    .toType(x.getDataType(), false)
                    .reshape(batch, 1, tokens) // [B,T] -> [B,1,T]
                    .concat(otherRows, 1) // -> [B,T,T]
                    .reshape(batch, 1, tokens, tokens); // -> [B,1,T,T], broadcast over heads
        }
        return runBlocks(x, lastMask, everyMask, null, selfMask, attentionSink, null, trace);
    }

    /**
     * TagCLIP first pass of images of different sizes in one forward: each image is embedded at its own grid (class
     * token, patches row-major, its own positional table), the sequences are padded at the end to
     * {@link TokenLayout#paddedTokens()} (zeros, or {@code trace}'s padding), and every block masks the padded keys
     * out ({@link TokenLayout#keyMask}), the self-masked last block included.
     *
     * @param images each [3,H_i,W_i] in the compute dtype, on the model's device
     * @param layout the images' grids, in the same order
     * @param attentionSink receives each block's head-averaged [B,T,T] map, unless {@code stream} takes them
     * @param stream takes each block's map as soon as the block ends (the map is freed after), or null
     * @return the residual stream after the last block [B,T,D], padded rows included
     */
    NDArray encodePadded(
            NDManager scope,
            List<NDArray> images,
            TokenLayout layout,
            float selfMask,
            List<NDArray> attentionSink,
            LayerMaps stream,
            VisionTrace trace) {
        int width = config.visionWidth();
        int t = layout.paddedTokens();
        NDList sequences = new NDList(images.size());
        for (int b = 0; b < images.size(); b++) {
            TokenLayout.Grid grid = layout.grid(b);
            NDArray patches = patchEmbed(images.get(b).expandDims(0)); // [3,H,W] -> [1,3,H,W] -> [1,N,D]
            DataType type = patches.getDataType();
            NDArray x = classEmbedding.reshape(1, 1, width).concat(patches, 1); // -> [1,1+N,D]
            x = x.add(positionalFor(scope, grid.rows(), grid.cols(), type)); // + [1+N,D]
            int missing = t - grid.tokens();
            if (missing > 0) {
                Shape padShape = new Shape(1, missing, width);
                NDArray pad = trace.padding(padShape).orElseGet(() -> scope.zeros(padShape, type));
                x = x.concat(pad.toType(type, false), 1); // -> [1,T,D]
            }
            sequences.add(x);
        }
        NDArray x = NDArrays.concat(sequences, 0); // B x [1,T,D] -> [B,T,D]
        x = TransformerBlock.layerNorm(x, lnPreWeight, lnPreBias, config.visionEps());
        // m * (1 - I) == -m * I + m, exact in float32 for m = -100.
        NDArray lastMask = scope.eye(t).mul(-selfMask).add(selfMask).toType(x.getDataType(), false); // [T,T]
        NDArray keyMask = layout.keyMask(scope, x.getDataType()); // [B,1,1,T] or null
        return runBlocks(x, lastMask, null, keyMask, selfMask, attentionSink, stream, trace);
    }

    /**
     * The blocks: {@code everyMask} in every block, else {@code lastMask} (the self mask) in the last one;
     * {@code keyMask} (padding, or null) in every block. With a {@code stream}, each block's map goes to it and is
     * freed instead of joining {@code attentionSink}.
     */
    private NDArray runBlocks(
            NDArray x,
            NDArray lastMask,
            NDArray everyMask,
            NDArray keyMask,
            float selfMask,
            List<NDArray> attentionSink,
            LayerMaps stream,
            VisionTrace trace) {
        int last = blocks.size() - 1;
        for (int layer = 0; layer <= last; layer++) {
            TransformerBlock block = blocks.get(layer);
            TransformerBlock.Masking masking = everyMask != null
                    ? TransformerBlock.Masking.ADDITIVE
                    : layer == last && lastMask != null ? TransformerBlock.Masking.SELF : TransformerBlock.Masking.NONE;
            NDArray mask = everyMask != null ? everyMask : masking == TransformerBlock.Masking.SELF ? lastMask : null;
            x = forwardAndRelease(block, x, masking, mask, keyMask, selfMask, attentionSink);
            if (stream != null) {
                NDArray map = attentionSink.remove(attentionSink.size() - 1); // [B,T,T]
                try (NDScope reduction = new NDScope()) {
                    reduction.suppressNotUsedWarning();
                    stream.accept(layer, map);
                }
                map.close();
            }
            trace.hidden(x);
        }
        return x;
    }

    /**
     * Patch embedding, class token, positional table (fp16-rounded resize off the training grid) and {@code ln_pre}:
     * [B,3,H,W] -> [B,1+N,D], the stream the first block reads.
     */
    private NDArray embed(NDManager scope, NDArray images, VisionTrace trace) {
        Shape shape = images.getShape();
        long batch = shape.get(0);
        int p = config.patchSize();
        int rows = (int) (shape.get(2) / p);
        int cols = (int) (shape.get(3) / p);
        int width = config.visionWidth();
        NDArray x = patchEmbed(images); // [B,3,H,W] -> [B,N,D]
        NDArray cls = classEmbedding.reshape(1, 1, width).broadcast(batch, 1, width); // [D] -> [B,1,D]
        x = cls.concat(x, 1); // -> [B,1+N,D]
        DataType type = x.getDataType();
        NDArray table = trace.positional().orElseGet(() -> positionalFor(scope, rows, cols, type));
        x = x.add(table); // + [1+N,D]
        return TransformerBlock.layerNorm(x, lnPreWeight, lnPreBias, config.visionEps());
    }

    /**
     * The embedding and the first {@code count} blocks, unmasked (CLIP-ES {@code encode_image}, which stops before
     * the last block): [B,3,H,W] -> the residual stream after block {@code count - 1}, [B,1+N,D].
     *
     * @param attentionSink receives one head-averaged [B,1+N,1+N] map per block run
     */
    NDArray encodeBlocks(NDManager scope, NDArray images, int count, List<NDArray> attentionSink) {
        if (count < 0 || count > blocks.size()) {
            throw new IllegalArgumentException("block count must be in [0," + blocks.size() + "], got " + count);
        }
        NDArray x = embed(scope, images, VisionTrace.NONE);
        for (int layer = 0; layer < count; layer++) {
            x = forwardAndRelease(blocks.get(layer), x, TransformerBlock.Masking.NONE, null, 0f, attentionSink);
        }
        return x;
    }

    /** The last block. */
    TransformerBlock lastBlock() {
        return blocks.get(blocks.size() - 1);
    }

    /**
     * {@code ln_post} on every token, the mean of the patch tokens (class token excluded), then the projection:
     * [B,1+N,D] -> [B,E] (CLIP-ES {@code forward_last_layer}'s image feature).
     */
    NDArray projectPatchMean(NDArray hidden) {
        NDArray normed = TransformerBlock.layerNorm(hidden, lnPostWeight, lnPostBias, config.visionEps());
        NDArray mean = normed.get(":, 1:, :").mean(new int[] {1}); // [B,1+N,D] -> [B,N,D] -> [B,D]
        return Linear.linear(mean, projection).singletonOrThrow(); // -> [B,E]
    }

    /**
     * One block, freeing its intermediates (the per-head attention logits and weights [B,H,T,T], the MLP's
     * [B,T,4D]) as soon as it is done, instead of when the whole forward ends: only the new residual stream and the
     * block's head-averaged attention map outlive it. This keeps a forward's memory at one block's working set.
     */
    static NDArray forwardAndRelease(
            TransformerBlock block,
            NDArray x,
            TransformerBlock.Masking masking,
            NDArray mask,
            float selfMask,
            List<NDArray> attentionSink) {
        return forwardAndRelease(block, x, masking, mask, null, selfMask, attentionSink);
    }

    /** As {@link #forwardAndRelease(TransformerBlock, NDArray, TransformerBlock.Masking, NDArray, float, List)}, with a key mask. */
    static NDArray forwardAndRelease(
            TransformerBlock block,
            NDArray x,
            TransformerBlock.Masking masking,
            NDArray mask,
            NDArray keyMask,
            float selfMask,
            List<NDArray> attentionSink) {
        int mapsBefore = attentionSink == null ? 0 : attentionSink.size();
        List<NDArray> kept = new ArrayList<>(2);
        try (NDScope blockScope = new NDScope()) {
            blockScope.suppressNotUsedWarning();
            kept.add(
                    masking == TransformerBlock.Masking.SELF
                            ? block.forwardSelfMasked(x, mask, selfMask, keyMask, attentionSink)
                            : block.forward(x, masking, mask, keyMask, attentionSink));
            if (attentionSink != null) {
                kept.addAll(attentionSink.subList(mapsBefore, attentionSink.size()));
            }
            kept.forEach(NDScope::unregister);
        }
        // What outlives the block belongs to the enclosing scope again, which frees it with the rest of the forward.
        kept.forEach(NDScope::register);
        return kept.get(0);
    }

    /**
     * The patch embedding (a stride-P, kernel-P convolution without bias): patches do not overlap, so it is exactly
     * one GEMM over the unfolded patches. [B,3,H,W] -> [B,N,D], patches row-major.
     */
    NDArray patchEmbed(NDArray images) {
        Shape shape = images.getShape();
        long batch = shape.get(0);
        int p = config.patchSize();
        long rows = shape.get(2) / p;
        long cols = shape.get(3) / p;
        NDArray unfolded = images.reshape(batch, 3, rows, p, cols, p) // [B,3,H,W] -> [B,3,h,P,w,P]
                .transpose(0, 2, 4, 1, 3, 5) // -> [B,h,w,3,P,P]
                .reshape(batch * rows * cols, 3L * p * p); // -> [B*N,3*P*P]
        return Linear.linear(unfolded, patchWeight)
                .singletonOrThrow() // -> [B*N,D]
                .reshape(batch, rows * cols, config.visionWidth()); // -> [B,N,D]
    }

    /** {@code ln_post} then the projection, on every token: [B,T,D] -> [B,T,E] (or [B,D] -> [B,E]). */
    NDArray project(NDArray hidden) {
        NDArray normed = TransformerBlock.layerNorm(hidden, lnPostWeight, lnPostBias, config.visionEps());
        return Linear.linear(normed, projection).singletonOrThrow(); // [..,D] -> [..,E]
    }

    /**
     * The positional table for a {@code rows x cols} grid: the loaded table at the training grid, otherwise the
     * bilinear, fp16-rounded resize (reference behaviour), cached per grid on the host.
     */
    private NDArray positionalFor(NDManager scope, int rows, int cols, DataType type) {
        int grid = config.gridSize();
        if (rows == grid && cols == grid) {
            return positional;
        }
        long key = ((long) rows << 32) | cols;
        float[] table;
        synchronized (positionalCache) {
            table = positionalCache.get(key);
        }
        if (table == null) {
            table = PositionalEmbeddings.forGrid(positionalHost, grid, config.visionWidth(), rows, cols);
            synchronized (positionalCache) {
                positionalCache.put(key, table);
            }
        }
        NDArray array = scope.create(table, new Shape(1L + (long) rows * cols, config.visionWidth()));
        return type == DataType.FLOAT32 ? array : array.toType(type, false);
    }

    /** The float32 positional table the model would add at a {@code rows x cols} grid, [1+N, D] row-major. */
    float[] positionalTable(int rows, int cols) {
        int grid = config.gridSize();
        if (rows == grid && cols == grid) {
            return positionalHost.clone();
        }
        return PositionalEmbeddings.forGrid(positionalHost, grid, config.visionWidth(), rows, cols);
    }

    /** Stacks per-layer maps [B,T,T] into [L,B,T,T]. */
    static NDArray stackLayers(List<NDArray> maps) {
        return NDArrays.stack(new NDList(maps), 0);
    }
}
