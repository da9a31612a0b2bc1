package io.tagclip.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A CLIP model on DJL: both towers, the tokenizer and {@code exp(logit_scale)}, with the three vision forwards TagCLIP
 * needs. Weights live in {@link #manager()}; every method returns arrays owned by the manager of its first array
 * argument (or the given manager) and closes its intermediates. Thread-safe; results for one image do not depend on
 * the other images of its batch (beyond float rounding).
 */
public final class ClipModel implements AutoCloseable {

    /** File names of a Hugging Face CLIP folder. */
    public static final String CONFIG_FILE = "config.json";

    public static final String WEIGHTS_FILE = "model.safetensors";

    /** Text rows encoded per forward; bounds memory for large vocabularies. */
    private static final int TEXT_CHUNK = 256;

    /** Hex digits of the weights' sha256 used as the revision of a model loaded from a plain folder. */
    private static final int REVISION_HEX_DIGITS = 12;

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

    private ClipModel(ClipConfig config, NDManager manager, DataType dtype, VisionTower vision, TextTower text,
            float logitScale, ClipTokenizer tokenizer, String modelId, String revision) {
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

    /**
     * Loads a Hugging Face CLIP folder ({@code config.json}, {@code model.safetensors} with F32/F16/BF16 tensors,
     * {@code vocab.json} + {@code merges.txt} or {@code tokenizer.json}). The id is the folder name and the revision
     * the first 12 hex digits of the weights' sha256.
     *
     * @throws ModelLoadException naming the missing or unreadable file, or every missing or mis-shaped tensor
     */
    public static ClipModel load(Path hfFolder, ClipOptions options) {
        Path folder = hfFolder.toAbsolutePath().normalize();
        Path name = folder.getFileName();
        return load(new ModelSource(folder, name == null ? folder.toString() : name.toString(), null), options);
    }

    /**
     * Loads a folder resolved by {@link ModelLocator}, keeping its hub id and revision (a folder without a revision
     * gets the sha256 prefix of its weights).
     */
    public static ClipModel load(ModelSource source, ClipOptions options) {
        Path folder = source.folder().toAbsolutePath().normalize();
        Path weights = folder.resolve(WEIGHTS_FILE);
        if (!Files.isDirectory(folder)) {
            throw new ModelLoadException("model folder not found: " + folder);
        }
        if (!Files.isRegularFile(weights)) {
            throw new ModelLoadException("model file not found: " + weights);
        }
        String revision = source.revision() != null ? source.revision() : sha256Prefix(weights);
        return load(folder, options, source.modelId(), revision);
    }

    private static ClipModel load(Path folder, ClipOptions options, String modelId, String revision) {
        ClipConfig config = ClipConfig.fromHuggingFace(folder.resolve(CONFIG_FILE));
        ClipTokenizer tokenizer = ClipTokenizer.fromFolder(folder, config.contextLength());
        try (SafeTensors tensors = SafeTensors.open(folder.resolve(WEIGHTS_FILE))) {
            checkTensors(tensors, config);
            return build(config, tensors::readFloats, tokenizer, options, modelId, revision);
        }
    }

    /**
     * A model with random weights of the given dimensions, for benchmarks and tests that need real sizes without a
     * checkpoint. Weights are N(0, 0.02²) (LayerNorm weights 1, biases 0, logit scale ln 100); it has no tokenizer.
     */
    public static ClipModel randomWeights(ClipConfig config, long seed, ClipOptions options) {
        Map<String, Shape> shapes = WeightLayout.expected(config);
        WeightLayout.TensorSource source = name -> {
            int count = (int) shapes.get(name).size();
            float[] values = new float[count];
            if (name.equals(WeightLayout.LOGIT_SCALE)) {
                values[0] = (float) Math.log(100);
            } else if (name.contains("norm") && name.endsWith(".weight")) {
                java.util.Arrays.fill(values, 1f);
            } else if (!name.endsWith(".bias")) {
                SplittableRandom random = new SplittableRandom(seed ^ name.hashCode());
                for (int i = 0; i < count; i++) {
                    values[i] = (float) (random.nextGaussian() * 0.02);
                }
            }
            return values;
        };
        return build(config, source, null, options, "random-" + seed, "random");
    }

    private static void checkTensors(SafeTensors tensors, ClipConfig config) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Shape> expected : WeightLayout.expected(config).entrySet()) {
            String name = expected.getKey();
            SafeTensors.TensorInfo info = tensors.tensors().get(name);
            long[] want = expected.getValue().getShape();
            if (info == null) {
                problems.add("missing tensor " + name + " (expected shape " + java.util.Arrays.toString(want) + ")");
                continue;
            }
            boolean scalar = want.length == 0 && info.elementCount() == 1 && info.shape().length <= 1;
            if (!scalar && !java.util.Arrays.equals(want, info.shape())) {
                problems.add("tensor " + name + " has shape " + info.shapeString() + ", expected "
                        + java.util.Arrays.toString(want) + " from config.json");
            }
            if (!info.dtype().equals("F32") && !info.dtype().equals("F16") && !info.dtype().equals("BF16")) {
                problems.add("tensor " + name + " has dtype " + info.dtype() + ", expected F32, F16 or BF16");
            }
        }
        if (!problems.isEmpty()) {
            throw new ModelLoadException(tensors.file() + ": " + String.join("; ", problems));
        }
    }

    private static ClipModel build(ClipConfig config, WeightLayout.TensorSource source, ClipTokenizer tokenizer,
            ClipOptions options, String modelId, String revision) {
        Device device = options.resolveDevice();
        options.checkSupported(device);
        DataType dtype = options.dtype();
        NDManager manager = NDManager.newBaseManager(device);
        try {
            WeightLayout.Allocator alloc = new WeightLayout.Allocator() {
                @Override
                public NDArray weight(float[] values, Shape shape) {
                    NDArray array = manager.create(values, shape);
                    if (dtype == DataType.FLOAT32) {
                        return array;
                    }
                    NDArray converted = array.toType(dtype, false);
                    array.close();
                    return converted;
                }

                @Override
                public NDArray float32(float[] values, Shape shape) {
                    return manager.create(values, shape);
                }
            };
            VisionTower vision = VisionTower.load(config, source, alloc);
            TextTower text = TextTower.load(config, source, alloc);
            float logitScale = (float) Math.exp(source.read(WeightLayout.LOGIT_SCALE)[0]);
            return new ClipModel(config, manager, dtype, vision, text, logitScale, tokenizer, modelId, revision);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static String sha256Prefix(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 20];
            int read;
            while ((read = in.read(buffer)) > 0) {
                digest.update(buffer, 0, read);
            }
            return HexFormat.of().formatHex(digest.digest()).substring(0, REVISION_HEX_DIGITS);
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
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
     * (reference quirk). The last block adds {@code -100 * (1 - I)} to its attention logits; every block reports the
     * head-averaged softmax of its unmasked logits. The reference skips its mask reset when the sequence has exactly
     * 77 tokens (76 patches), which leaves whatever mask an earlier call stored (none on a fresh model, a
     * wrongly-sized one otherwise, which then fails); here every size, 77 tokens included, gets the identity mask.
     *
     * @param images [B,3,H,W] normalised pixels, H and W positive multiples of the patch size
     * @return tokens [B,1+N,E] (ln_post + projection, not normalised) and attentions [L,B,1+N,1+N]
     */
    public VisionOutput encodeImageTagClip(NDArray images) {
        checkImages(images, false);
        NDManager caller = images.getManager();
        try (NDScope scope = new NDScope(); NDManager sub = manager.newSubManager()) {
            scope.suppressNotUsedWarning();
            List<NDArray> maps = new ArrayList<>(config.visionLayers());
            NDArray hidden = vision.encode(sub, prepare(sub, images), VisionTower.Mode.TAGCLIP, null, maps);
            NDArray tokens = handOver(vision.project(hidden), caller); // [B,1+N,D] -> [B,1+N,E]
            NDArray attentions = handOver(VisionTower.stackLayers(maps), caller); // L x [B,T,T] -> [L,B,T,T]
            return new VisionOutput(tokens, attentions);
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
        if (maskShape.dimension() != 2 || maskShape.get(0) != shape.get(0)
                || maskShape.get(1) != config.visionTokens()) {
            throw new IllegalArgumentException("classRowMask must be [" + shape.get(0) + "," + config.visionTokens()
                    + "], got " + maskShape);
        }
        NDManager caller = images.getManager();
        try (NDScope scope = new NDScope(); NDManager sub = manager.newSubManager()) {
            scope.suppressNotUsedWarning();
            NDArray mask = classRowMask.toDevice(device, true);
            mask.attach(sub);
            NDArray hidden = vision.encode(sub, prepare(sub, images), VisionTower.Mode.CLASS_ROW_MASKED, mask, null);
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
        try (NDScope scope = new NDScope(); NDManager sub = manager.newSubManager()) {
            scope.suppressNotUsedWarning();
            NDArray hidden = vision.encode(sub, prepare(sub, images), VisionTower.Mode.PLAIN, null, null);
            return handOver(vision.project(hidden.get(":, 0, :")), caller); // [B,1+N,D] -> [B,D] -> [B,E]
        }
    }

    /**
     * Text features: token ids [T,77] (int32 or int64, {@code START ... END} then padding) -> [T,E], the projected
     * {@code ln_final} state at the first END token (the row's largest id), not normalised.
     */
    public NDArray encodeText(NDArray tokenIds) {
        Shape shape = tokenIds.getShape();
        if (shape.dimension() != 2 || shape.get(1) != config.contextLength()) {
            throw new IllegalArgumentException(
                    "token ids must be [T," + config.contextLength() + "], got " + shape);
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
            rows[t] = java.util.Arrays.copyOfRange(flat, t * config.contextLength(), (t + 1) * config.contextLength());
        }
        return encodeText(rows, tokenIds.getManager());
    }

    /** {@link #encodeText(NDArray)} for texts: tokenized with truncation off (too long throws), encoded. */
    public NDArray encodeTexts(List<String> texts, NDManager owner) {
        int[][] ids = tokenizer().tokenize(texts, false);
        long[][] rows = new long[ids.length][];
        for (int t = 0; t < ids.length; t++) {
            rows[t] = java.util.Arrays.stream(ids[t]).asLongStream().toArray();
        }
        return encodeText(rows, owner);
    }

    /**
     * Encodes rows in chunks of {@link #TEXT_CHUNK}, shortest rows (by end-token position) together so each chunk runs
     * only to its own longest row, then puts the results back in input order.
     */
    private NDArray encodeText(long[][] rows, NDManager owner) {
        if (rows.length == 0) {
            throw new IllegalArgumentException("no token rows to encode");
        }
        Integer[] order = new Integer[rows.length];
        int[] end = new int[rows.length];
        for (int t = 0; t < rows.length; t++) {
            order[t] = t;
            end[t] = TextTower.endPosition(rows[t]);
        }
        java.util.Arrays.sort(order, java.util.Comparator.comparingInt(t -> end[t]));
        long[] inverse = new long[rows.length];
        for (int i = 0; i < order.length; i++) {
            inverse[order[i]] = i;
        }
        try (NDScope scope = new NDScope(); NDManager sub = manager.newSubManager()) {
            scope.suppressNotUsedWarning();
            NDList chunks = new NDList();
            for (int start = 0; start < rows.length; start += TEXT_CHUNK) {
                long[][] chunk = new long[Math.min(TEXT_CHUNK, rows.length - start)][];
                for (int i = 0; i < chunk.length; i++) {
                    chunk[i] = rows[order[start + i]];
                }
                chunks.add(text.encode(sub, chunk, dtype)); // [t,E]
            }
            NDArray sorted = chunks.size() == 1 ? chunks.head() : NDArrays.concat(chunks, 0); // -> [T,E]
            NDArray all = Embedding.embedding(sub.create(inverse), sorted, SparseFormat.DENSE)
                    .singletonOrThrow(); // rows back in input order, [T,E]
            return handOver(all, owner);
        }
    }

    private void checkImages(NDArray images, boolean trainingSize) {
        Shape shape = images.getShape();
        int p = config.patchSize();
        if (shape.dimension() != 4 || shape.get(0) < 1 || shape.get(1) != 3 || shape.get(2) < p || shape.get(3) < p
                || shape.get(2) % p != 0 || shape.get(3) % p != 0) {
            throw new IllegalArgumentException(
                    "images must be [B,3,H,W] with H and W positive multiples of " + p + ", got " + shape);
        }
        if (trainingSize && (shape.get(2) != config.imageSize() || shape.get(3) != config.imageSize())) {
            throw new IllegalArgumentException("images must be [B,3," + config.imageSize() + "," + config.imageSize()
                    + "], got " + shape);
        }
        if (!images.getDataType().isFloating()) {
            throw new IllegalArgumentException("images must be floating point, got " + images.getDataType());
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
