package io.tagclip.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.tagclip.tokenizer.ClipTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A CLIP model on DJL: both towers, the tokenizer and {@code exp(logit_scale)}, with the three vision forwards TagCLIP
 * needs. Weights live in {@link #manager()}; every method returns arrays owned by the manager of its first array
 * argument (or the given manager) and closes its intermediates. Thread-safe; results for one image do not depend on
 * the other images of its batch (beyond float rounding).
 */
public final class ClipModel implements AutoCloseable {

    /** Text rows encoded per forward; bounds memory for large vocabularies. */
    private static final int TEXT_CHUNK = 256;

    /** Self-mask value passed to forwards without a self mask (plain and class-row-masked); never read there. */
    private static final float NO_SELF_MASK = 0f;

    private final ClipConfig config;
    private final NDManager manager;
    private final Device device;
    private final DataType dtype;
    private final VisionTower vision;
    private final TextTower text;
    private final float logitScale;
    private final ClipTokenizer tokenizer;
    private final String modelId;
    private final String revision;

    ClipModel(
            ClipConfig config,
            NDManager manager,
            DataType dtype,
            VisionTower vision,
            TextTower text,
            float logitScale,
            ClipTokenizer tokenizer,
            String modelId,
            String revision) {
        this.config = config;
        this.manager = manager;
        this.device = manager.getDevice();
        this.dtype = dtype;
        this.vision = vision;
        this.text = text;
        this.logitScale = logitScale;
        this.tokenizer = tokenizer;
        this.modelId = modelId;
        this.revision = revision;
    }

    public ClipConfig config() {
        return config;
    }

    /** Hub id, or the folder name for a plain folder. */
    public String modelId() {
        return modelId;
    }

    /** Hub revision, or the first 12 hex digits of the weights' sha256 for a plain folder. */
    public String revision() {
        return revision;
    }

    public Device device() {
        return device;
    }

    /** Compute precision of the matrices (LayerNorm always runs in float32). */
    public DataType dtype() {
        return dtype;
    }

    /** Owns the weights; closed by {@link #close()}. */
    public NDManager manager() {
        return manager;
    }

    /** {@code exp(logit_scale)} in float32 (about 100 for OpenAI's weights). */
    public float logitScale() {
        return logitScale;
    }

    /** The tokenizer of the model folder. */
    public ClipTokenizer tokenizer() {
        if (tokenizer == null) {
            throw new IllegalStateException("model " + modelId + " was built without a tokenizer");
        }
        return tokenizer;
    }

    /**
     * TagCLIP first pass (reference {@code encode_image_tagclip(image, H, W, attn_mask=1)}).
     *
     * <p>Positional embedding: the loaded table at the training grid, else its bilinear resize rounded through fp16
     * (reference quirk). The last block adds {@code selfMask * (1 - I)} to its attention logits; every block reports
     * the head-averaged softmax of its unmasked logits. The reference skips its mask reset when the sequence has exactly
     * 77 tokens (76 patches), which leaves whatever mask an earlier call stored (none on a fresh model, a
     * wrongly-sized one otherwise, which then fails); here every size, 77 tokens included, gets the identity mask.
     *
     * @param images   [B,3,H,W] normalised pixels, H and W positive multiples of the patch size
     * @param selfMask off-diagonal value of the last block's mask ({@code TagClipParams.lastLayerSelfMask}: −100 in
     *                 the reference); negative
     * @return tokens [B,1+N,E] (ln_post + projection, not normalised) and attentions [L,B,1+N,1+N]
     */
    public VisionOutput encodeImageTagClip(NDArray images, float selfMask) {
        checkImages(images, false);
        if (!(selfMask < 0) || !Float.isFinite(selfMask)) {
            throw new IllegalArgumentException("selfMask must be negative and finite, got " + selfMask);
        }
        NDManager caller = images.getManager();
        try (NDScope scope = new NDScope();
                NDManager sub = manager.newSubManager()) {
            scope.suppressNotUsedWarning();
            List<NDArray> maps = new ArrayList<>(config.visionLayers());
            NDArray hidden = vision.encode(sub, prepare(sub, images), VisionTower.Mode.TAGCLIP, selfMask, null, maps);
            NDArray tokens = handOver(vision.project(hidden), caller); // [B,1+N,D] -> [B,1+N,E]
            NDArray attentions = handOver(VisionTower.stackLayers(maps), caller); // L x [B,T,T] -> [L,B,T,T]
            Shape shape = images.getShape();
            int p = config.patchSize();
            TokenLayout layout = TokenLayout.uniform(
                    (int) shape.get(0), new TokenLayout.Grid((int) shape.get(2) / p, (int) shape.get(3) / p));
            return new VisionOutput(tokens, attentions, layout);
        }
    }

    /**
     * TagCLIP first pass of images of any sizes in one forward, each exactly as {@link #encodeImageTagClip} would
     * encode it alone (to float rounding): each image gets its own grid's positional table, the sequences are padded
     * at the end to the longest, and padded keys are masked out of every attention (see {@link TokenLayout}).
     *
     * @param images   each [3,H_i,W_i] normalised pixels, sides positive multiples of the patch size, all owned by one
     *                 manager
     * @param selfMask as for {@link #encodeImageTagClip}
     * @return tokens [B,T,E], attentions [L,B,T,T] and the layout saying which rows are each image's
     */
    public VisionOutput encodeImagesTagClip(List<NDArray> images, float selfMask) {
        return encodeImagesTagClip(images, selfMask, null, VisionTrace.NONE);
    }

    /**
     * {@link #encodeImagesTagClip(List, float)} handing each layer's map [B,T,T] to {@code maps} as soon as its block
     * ends, instead of keeping them all: the output's attentions are then null, and the forward holds one layer's map
     * at a time.
     */
    public VisionOutput encodeImagesTagClip(List<NDArray> images, float selfMask, LayerMaps maps) {
        return encodeImagesTagClip(images, selfMask, Objects.requireNonNull(maps, "maps"), VisionTrace.NONE);
    }

    /** {@link #encodeImagesTagClip(List, float)} with a trace, for tests that look inside (and fill the padding). */
    VisionOutput encodeImagesTagClip(List<NDArray> images, float selfMask, VisionTrace trace) {
        return encodeImagesTagClip(images, selfMask, null, trace);
    }

    private VisionOutput encodeImagesTagClip(
            List<NDArray> images, float selfMask, LayerMaps stream, VisionTrace trace) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images to encode");
        }
        if (!(selfMask < 0) || !Float.isFinite(selfMask)) {
            throw new IllegalArgumentException("selfMask must be negative and finite, got " + selfMask);
        }
        int p = config.patchSize();
        List<TokenLayout.Grid> grids = new ArrayList<>(images.size());
        for (NDArray image : images) {
            Shape shape = image.getShape();
            if (shape.dimension() != 3) {
                throw new IllegalArgumentException("each image must be [3,H,W], got " + shape);
            }
            checkImages(new Shape(1, shape.get(0), shape.get(1), shape.get(2)), image.getDataType(), false);
            grids.add(new TokenLayout.Grid((int) shape.get(1) / p, (int) shape.get(2) / p));
        }
        TokenLayout layout = new TokenLayout(grids);
        NDManager caller = images.get(0).getManager();
        try (NDScope scope = new NDScope();
                NDManager sub = manager.newSubManager()) {
            scope.suppressNotUsedWarning();
            List<NDArray> maps = new ArrayList<>(config.visionLayers());
            List<NDArray> prepared =
                    images.stream().map(image -> prepare(sub, image)).toList();
            NDArray hidden = vision.encodePadded(sub, prepared, layout, selfMask, maps, stream, trace); // [B,T,D]
            NDArray tokens = handOver(vision.project(hidden), caller); // [B,T,D] -> [B,T,E]
            NDArray attentions =
                    stream != null ? null : handOver(VisionTower.stackLayers(maps), caller); // L x [B,T,T] -> [L,B,T,T]
            return new VisionOutput(tokens, attentions, layout);
        }
    }

    /**
     * CWR pass (reference {@code encode_image_tagclip(crop, 224, 224, attn_mask=mask)}): {@code classRowMask} is added
     * to the class token's attention logits in every block; no identity mask; the loaded positional embedding.
     *
     * @param images [B,3,S,S] with S the training resolution (224)
     * @param classRowMask [B,1+N] additive values for the class token's row (0 keeps, −1000 masks a token)
     * @return class-token features [B,E] (ln_post + projection, not normalised)
     */
    public NDArray encodeImageClassMasked(NDArray images, NDArray classRowMask) {
        checkImages(images, true);
        Shape shape = images.getShape();
        Shape maskShape = classRowMask.getShape();
        if (maskShape.dimension() != 2
                || maskShape.get(0) != shape.get(0)
                || maskShape.get(1) != config.visionTokens()) {
            throw new IllegalArgumentException(
                    "classRowMask must be [" + shape.get(0) + "," + config.visionTokens() + "], got " + maskShape);
        }
        NDManager caller = images.getManager();
        try (NDScope scope = new NDScope();
                NDManager sub = manager.newSubManager()) {
            scope.suppressNotUsedWarning();
            NDArray mask = classRowMask.toDevice(device, true);
            mask.attach(sub);
            NDArray hidden = vision.encode(
                    sub, prepare(sub, images), VisionTower.Mode.CLASS_ROW_MASKED, NO_SELF_MASK, mask, null);
            NDArray cls = hidden.get(":, 0, :"); // [B,1+N,D] -> [B,D]
            return handOver(vision.project(cls), caller); // -> [B,E]
        }
    }

    /**
     * Plain CLIP image embedding, no masks: [B,3,H,W] -> class-token features [B,E] (ln_post + projection, not
     * normalised). Sizes other than the training resolution use the same resized positional table as the first pass.
     */
    public NDArray encodeImage(NDArray images) {
        checkImages(images, false);
        NDManager caller = images.getManager();
        try (NDScope scope = new NDScope();
                NDManager sub = manager.newSubManager()) {
            scope.suppressNotUsedWarning();
            NDArray hidden = vision.encode(sub, prepare(sub, images), VisionTower.Mode.PLAIN, NO_SELF_MASK, null, null);
            return handOver(vision.project(hidden.get(":, 0, :")), caller); // [B,1+N,D] -> [B,D] -> [B,E]
        }
    }

    /**
     * CLIP-ES's Grad-CAM pass ({@code encode_image} then {@code forward_last_layer} under a Grad-CAM hook on the last
     * block's {@code ln_1}) for one image and its text rows, every target at once.
     *
     * <p>The encoder runs every block but the last, unmasked, on the fp16-rounded positional table. The last block
     * then runs on {@code targets} copies of its {@code ln_1} output, each a leaf of DJL's autograd; copy t's image
     * feature (the mean of the patch tokens after {@code ln_post}, projected, L2-normalised) gives
     * {@code softmax(exp(logit_scale)·img·textᵀ)} over the text rows, and the backward pass of the sum over t of
     * copy t's probability of row t gives each copy the gradient of its own target: the copies are independent, so
     * one backward pass replaces the reference's one per label.
     *
     * @param image [1,3,H,W] normalised pixels, H and W positive multiples of the patch size
     * @param text [K,E] text features; they are L2-normalised again here, as the reference does
     * @param targets how many leading text rows are targets (the image's labels), 1..K
     */
    public GradCamPass gradCamPass(NDArray image, NDArray text, int targets) {
        checkImages(image, false);
        if (image.getShape().get(0) != 1) {
            throw new IllegalArgumentException("gradCamPass takes one image [1,3,H,W], got " + image.getShape());
        }
        Shape textShape = text.getShape();
        if (textShape.dimension() != 2 || textShape.get(1) != config.embedDim()) {
            throw new IllegalArgumentException("text must be [K," + config.embedDim() + "], got " + textShape);
        }
        if (targets < 1 || targets > textShape.get(0)) {
            throw new IllegalArgumentException("targets must be in [1," + textShape.get(0) + "], got " + targets);
        }
        NDManager caller = image.getManager();
        try (NDScope scope = new NDScope();
                NDManager sub = manager.newSubManager()) {
            scope.suppressNotUsedWarning();
            List<NDArray> maps = new ArrayList<>(config.visionLayers());
            NDArray encoded = vision.encodeBlocks(sub, prepare(sub, image), config.visionLayers() - 1, maps);
            TransformerBlock last = vision.lastBlock();
            NDArray normed = last.normalizeInput(encoded); // [1,T,D]
            NDArray leaves = normed.repeat(0, targets); // [1,T,D] -> [L,T,D]
            NDArray rows = text.toDevice(device, true).toType(dtype, false);
            rows.attach(sub);
            rows = rows.div(rows.norm(new int[] {1}, true)); // [K,E]
            NDArray probabilities;
            NDArray gradients;
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                leaves.setRequiresGradient(true);
                NDArray out = last.forwardFromNormalized(encoded, leaves, maps); // [L,T,D]
                NDArray features = vision.projectPatchMean(out); // [L,T,D] -> [L,E]
                features = features.div(features.norm(new int[] {1}, true));
                // [L,E] x [E,K] -> [L,K]
                probabilities =
                        features.matMul(rows.transpose()).mul(logitScale).softmax(-1);
                NDArray chosen = probabilities
                        .get(":, :" + targets) // [L,K] -> [L,L]
                        .mul(sub.eye(targets).toType(probabilities.getDataType(), false))
                        .sum(); // sum_t p[t,t]
                collector.backward(chosen);
                gradients = leaves.getGradient().get(":, 1:, :"); // [L,T,D] -> [L,N,D]
            }
            NDArray lastMap = maps.remove(maps.size() - 1).get("0:1"); // copies agree: [L,T,T] -> [1,T,T]
            maps.add(lastMap);
            return new GradCamPass(
                    handOver(encoded.get(0), caller), // [1,T,D] -> [T,D]
                    handOver(normed.get("0, 1:, :"), caller), // -> [N,D]
                    handOver(gradients.stopGradient(), caller),
                    handOver(probabilities.get(0).stopGradient(), caller), // [L,K] -> [K]
                    handOver(VisionTower.stackLayers(maps).squeeze(1), caller)); // L x [1,T,T] -> [layers,T,T]
        }
    }

    /**
     * Text features: token ids [T,77] (int32 or int64, {@code START ... END} then padding) -> [T,E], the projected
     * {@code ln_final} state at the first END token (the row's largest id), not normalised.
     */
    public NDArray encodeText(NDArray tokenIds) {
        Shape shape = tokenIds.getShape();
        if (shape.dimension() != 2 || shape.get(1) != config.contextLength()) {
            throw new IllegalArgumentException("token ids must be [T," + config.contextLength() + "], got " + shape);
        }
        DataType type = tokenIds.getDataType();
        if (type != DataType.INT32 && type != DataType.INT64) {
            throw new IllegalArgumentException("token ids must be INT32 or INT64, got " + type);
        }
        long[] flat;
        try (NDArray copy = tokenIds.toType(DataType.INT64, true)) {
            flat = copy.toLongArray();
        }
        long[][] rows = new long[(int) shape.get(0)][];
        for (int t = 0; t < rows.length; t++) {
            rows[t] = Arrays.copyOfRange(flat, t * config.contextLength(), (t + 1) * config.contextLength());
        }
        return encodeText(rows, tokenIds.getManager(), TextProgress.NONE);
    }

    /** {@link #encodeText(NDArray)} for texts: tokenized with truncation off (too long throws), encoded. */
    public NDArray encodeTexts(List<String> texts, NDManager owner) {
        return encodeTexts(texts, owner, TextProgress.NONE);
    }

    /**
     * {@link #encodeTexts(List, NDManager)}, telling {@code progress} after every chunk of {@link #TEXT_CHUNK}
     * prompts.
     */
    public NDArray encodeTexts(List<String> texts, NDManager owner, TextProgress progress) {
        int[][] ids = tokenizer().tokenize(texts, false);
        long[][] rows = new long[ids.length][];
        for (int t = 0; t < ids.length; t++) {
            rows[t] = Arrays.stream(ids[t]).asLongStream().toArray();
        }
        return encodeText(rows, owner, progress);
    }

    /**
     * Encodes rows in chunks of {@link #TEXT_CHUNK}, shortest rows (by end-token position) together so each chunk runs
     * only to its own longest row. Each chunk runs in its own scope, which is closed (freeing the chunk's
     * activations) before the next chunk starts; only its {@code [t,E]} rows survive, copied into their input
     * positions of one heap table. Peak native memory is thus one chunk's working set, whatever the number of rows.
     */
    private NDArray encodeText(long[][] rows, NDManager owner, TextProgress progress) {
        if (rows.length == 0) {
            throw new IllegalArgumentException("no token rows to encode");
        }
        Integer[] order = new Integer[rows.length];
        int[] end = new int[rows.length];
        for (int t = 0; t < rows.length; t++) {
            order[t] = t;
            end[t] = TextTower.endPosition(rows[t]);
        }
        Arrays.sort(order, Comparator.comparingInt(t -> end[t]));
        int width = config.embedDim();
        float[] table = new float[rows.length * width]; // [T,E] row-major, input order
        for (int start = 0; start < rows.length; start += TEXT_CHUNK) {
            long[][] chunk = new long[Math.min(TEXT_CHUNK, rows.length - start)][];
            for (int i = 0; i < chunk.length; i++) {
                chunk[i] = rows[order[start + i]];
            }
            float[] encoded;
            try (NDScope scope = new NDScope();
                    NDManager sub = manager.newSubManager()) {
                scope.suppressNotUsedWarning();
                NDArray features = text.encode(sub, chunk, dtype); // [t,E]
                encoded = (features.getDataType() == DataType.FLOAT32
                                ? features
                                : features.toType(DataType.FLOAT32, false))
                        .toFloatArray();
            }
            for (int i = 0; i < chunk.length; i++) {
                System.arraycopy(encoded, i * width, table, order[start + i] * width, width);
            }
            progress.encoded(start + chunk.length, rows.length);
        }
        NDArray out = owner.create(table, new Shape(rows.length, width)); // [T,E]
        NDScope.unregister(out); // owned by owner, like every result of this class, not by a caller's scope
        return out;
    }

    private void checkImages(NDArray images, boolean trainingSize) {
        checkImages(images.getShape(), images.getDataType(), trainingSize);
    }

    private void checkImages(Shape shape, DataType type, boolean trainingSize) {
        int p = config.patchSize();
        if (shape.dimension() != 4
                || shape.get(0) < 1
                || shape.get(1) != 3
                || shape.get(2) < p
                || shape.get(3) < p
                || shape.get(2) % p != 0
                || shape.get(3) % p != 0) {
            throw new IllegalArgumentException(
                    "images must be [B,3,H,W] with H and W positive multiples of " + p + ", got " + shape);
        }
        if (trainingSize && (shape.get(2) != config.imageSize() || shape.get(3) != config.imageSize())) {
            throw new IllegalArgumentException(
                    "images must be [B,3," + config.imageSize() + "," + config.imageSize() + "], got " + shape);
        }
        if (!type.isFloating()) {
            throw new IllegalArgumentException("images must be floating point, got " + type);
        }
    }

    /** A copy of {@code images} on the model's device in the compute dtype, owned by {@code sub}. */
    private NDArray prepare(NDManager sub, NDArray images) {
        NDArray x = images.toDevice(device, true);
        x.attach(sub);
        return x.getDataType() == dtype ? x : x.toType(dtype, false);
    }

    /** Float32 result owned by {@code owner} and kept when the scope closes. */
    private static NDArray handOver(NDArray result, NDManager owner) {
        NDArray out = result.getDataType() == DataType.FLOAT32 ? result : result.toType(DataType.FLOAT32, false);
        NDScope.unregister(out);
        out.attach(owner);
        return out;
    }

    /** The float32 positional table the first pass adds at a grid of {@code rows x cols} patches, [1+N, D]. */
    public float[] positionalEmbedding(int rows, int cols) {
        return vision.positionalTable(rows, cols);
    }

    /** The vision tower, for tests that look inside it. */
    VisionTower vision() {
        return vision;
    }

    @Override
    public void close() {
        manager.close();
    }
}
