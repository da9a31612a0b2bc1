package io.tagclip.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tagclip.tokenizer.ClipTokenizer;
import io.tagclip.weights.ModelLoadException;
import io.tagclip.weights.SafeTensors;
import io.tagclip.weights.TensorFile;
import io.tagclip.weights.TorchCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Loads a {@link ClipModel} from a checkpoint: reads the configuration and tokenizer, checks every tensor's presence,
 * shape and dtype against the configuration, and places the weights on the chosen device in the chosen precision.
 */
public final class ClipLoader {

    /** File names of a Hugging Face CLIP folder. */
    public static final String CONFIG_FILE = "config.json";

    public static final String WEIGHTS_FILE = "model.safetensors";

    /** Weights of a Hugging Face folder that has no safetensors (PyTorch's zip format). */
    public static final String PYTORCH_WEIGHTS_FILE = "pytorch_model.bin";

    /** open_clip's model description, read beside an OpenAI-named checkpoint for its activation. */
    static final String OPEN_CLIP_CONFIG = "open_clip_config.json";

    /** Tokens of CLIP's standard BPE vocabulary ({@link ClipTokenizer#standard}). */
    static final int STANDARD_VOCAB_SIZE = 49408;

    /** Unexpected tensor names an error lists before it abbreviates. */
    private static final int MAX_NAMES_LISTED = 5;

    /** Hex digits of the weights' sha256 used as the revision of a model loaded from a plain folder. */
    private static final int REVISION_HEX_DIGITS = 12;

    private ClipLoader() {}

    /**
     * Loads a Hugging Face CLIP folder or a checkpoint file (see {@link #load(ModelSource, ClipOptions)}). The id is
     * the folder or file name and the revision the first 12 hex digits of the weights' sha256.
     *
     * @throws ModelLoadException naming the missing or unreadable file, or every missing or mis-shaped tensor
     */
    public static ClipModel load(Path folderOrFile, ClipOptions options) {
        Path path = folderOrFile.toAbsolutePath().normalize();
        Path name = path.getFileName();
        return load(new ModelSource(path, name == null ? path.toString() : name.toString(), null), options);
    }

    /**
     * Loads what {@code source} names, keeping its hub id and revision (without a revision: the sha256 prefix of
     * the weights).
     *
     * <ul>
     *   <li>A Hugging Face folder: {@code config.json}, weights in {@value #WEIGHTS_FILE} or, when that is absent,
     *       {@value #PYTORCH_WEIGHTS_FILE} (F32/F16/BF16), and {@code vocab.json} + {@code merges.txt} or
     *       {@code tokenizer.json}. A hub cache snapshot (files linked into {@code blobs/}) is such a folder.
     *   <li>A checkpoint file ({@code .safetensors}, {@code .bin}, {@code .pt}, {@code .pth}): with OpenAI's names
     *       (OpenAI's TorchScript {@code ViT-B-16.pt}, open_clip checkpoints) the layout comes from the tensor shapes
     *       and the tokenizer is CLIP's standard BPE shipped in the jar; with Hugging Face names the file's folder
     *       must hold {@code config.json} and the tokenizer files.
     * </ul>
     */
    public static ClipModel load(ModelSource source, ClipOptions options) {
        Path path = source.folder().toAbsolutePath().normalize();
        if (Files.isRegularFile(path)) {
            String revision = source.revision() != null ? source.revision() : sha256Prefix(path);
            return loadFile(path, options, source.modelId(), revision);
        }
        if (!Files.isDirectory(path)) {
            throw new ModelLoadException("model folder or file not found: " + path);
        }
        Path weights = folderWeights(path);
        String revision = source.revision() != null ? source.revision() : sha256Prefix(weights);
        ClipConfig config = ClipConfig.fromHuggingFace(path.resolve(CONFIG_FILE));
        ClipTokenizer tokenizer = ClipTokenizer.fromFolder(path, config.contextLength());
        try (TensorFile tensors = openTensors(weights)) {
            if (OpenAiLayout.matches(tensors.entries())) {
                throw new ModelLoadException(
                        weights + " has OpenAI's tensor names; give the file itself as the " + "model, not its folder");
            }
            checkTensors(tensors, WeightLayout.expected(config), "config.json");
            return build(config, tensors::readFloats, tokenizer, options, source.modelId(), revision);
        }
    }

    /** The weights of a Hugging Face folder: {@value #WEIGHTS_FILE}, else {@value #PYTORCH_WEIGHTS_FILE}. */
    static Path folderWeights(Path folder) {
        for (String file : List.of(WEIGHTS_FILE, PYTORCH_WEIGHTS_FILE)) {
            if (Files.isRegularFile(folder.resolve(file))) {
                return folder.resolve(file);
            }
        }
        throw new ModelLoadException(
                "model file not found: " + folder.resolve(WEIGHTS_FILE) + " (nor " + PYTORCH_WEIGHTS_FILE + ")");
    }

    private static TensorFile openTensors(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".safetensors")) {
            return SafeTensors.open(file);
        }
        if (name.endsWith(".bin") || name.endsWith(".pt") || name.endsWith(".pth")) {
            return TorchCheckpoint.open(file);
        }
        throw new ModelLoadException("unknown checkpoint type " + file
                + ": expected a .safetensors, .bin, .pt or .pth file, or a Hugging Face folder");
    }

    private static ClipModel loadFile(Path file, ClipOptions options, String modelId, String revision) {
        Path folder = file.getParent();
        try (TensorFile tensors = openTensors(file)) {
            ClipConfig config;
            ClipTokenizer tokenizer;
            if (OpenAiLayout.matches(tensors.entries())) {
                config = OpenAiLayout.config(tensors.entries(), openClipActivation(folder), file);
                checkTensors(tensors, OpenAiLayout.expected(config), "the tensor shapes");
                List<String> unexpected = OpenAiLayout.unexpected(tensors.entries(), config);
                if (!unexpected.isEmpty()) {
                    throw new ModelLoadException(file + " has tensors a CLIP ViT does not use, so it is a model this "
                            + "loader cannot run: "
                            + String.join(", ", unexpected.subList(0, Math.min(unexpected.size(), MAX_NAMES_LISTED)))
                            + (unexpected.size() > MAX_NAMES_LISTED ? ", ..." : ""));
                }
                if (config.vocabSize() != STANDARD_VOCAB_SIZE) {
                    throw new ModelLoadException(file + " has a vocabulary of " + config.vocabSize()
                            + " tokens; the bundled CLIP BPE has " + STANDARD_VOCAB_SIZE);
                }
                tokenizer = ClipTokenizer.standard(config.contextLength());
                return build(config, OpenAiLayout.source(tensors, config), tokenizer, options, modelId, revision);
            }
            config = ClipConfig.fromHuggingFace(folder.resolve(CONFIG_FILE));
            tokenizer = ClipTokenizer.fromFolder(folder, config.contextLength());
            checkTensors(tensors, WeightLayout.expected(config), "config.json");
            return build(config, tensors::readFloats, tokenizer, options, modelId, revision);
        }
    }

    /**
     * The MLP activation of an OpenAI-named file: quick_gelu (OpenAI's), unless an open_clip
     * {@value #OPEN_CLIP_CONFIG} beside it says otherwise ({@code model_cfg.quick_gelu}, false when absent, as
     * open_clip reads it).
     */
    private static ClipConfig.Activation openClipActivation(Path folder) {
        Path config = folder.resolve(OPEN_CLIP_CONFIG);
        if (!Files.isRegularFile(config)) {
            return ClipConfig.Activation.QUICK_GELU;
        }
        try {
            JsonNode quick = new ObjectMapper()
                    .readTree(config.toFile())
                    .path("model_cfg")
                    .path("quick_gelu");
            return quick.asBoolean(false) ? ClipConfig.Activation.QUICK_GELU : ClipConfig.Activation.GELU;
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + config + ": " + e.getMessage(), e);
        }
    }

    private static void checkTensors(TensorFile tensors, Map<String, Shape> expectedShapes, String layoutSource) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Shape> expected : expectedShapes.entrySet()) {
            String name = expected.getKey();
            TensorFile.Entry info = tensors.entries().get(name);
            long[] want = expected.getValue().getShape();
            if (info == null) {
                problems.add("missing tensor " + name + " (expected shape " + Arrays.toString(want) + ")");
                continue;
            }
            boolean scalar = want.length == 0 && info.elementCount() == 1 && info.shape().length <= 1;
            if (!scalar && !Arrays.equals(want, info.shape())) {
                problems.add("tensor " + name + " has shape " + info.shapeString() + ", expected "
                        + Arrays.toString(want) + " from " + layoutSource);
            }
            if (!info.dtype().equals("F32")
                    && !info.dtype().equals("F16")
                    && !info.dtype().equals("BF16")) {
                problems.add("tensor " + name + " has dtype " + info.dtype() + ", expected F32, F16 or BF16");
            }
        }
        if (!problems.isEmpty()) {
            throw new ModelLoadException(tensors.file() + ": " + String.join("; ", problems));
        }
    }

    /** A model of {@code config} whose weights come from {@code source}; {@code tokenizer} may be null. */
    static ClipModel build(
            ClipConfig config,
            WeightLayout.TensorSource source,
            ClipTokenizer tokenizer,
            ClipOptions options,
            String modelId,
            String revision) {
        Device device = options.resolveDevice();
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
        try {
            return TensorFile.sha256(file).substring(0, REVISION_HEX_DIGITS);
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
