package io.tagclip.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Loads a {@link ClipModel} from a checkpoint: reads the configuration and tokenizer, checks every tensor's presence,
 * shape and dtype against the configuration, and places the weights on the chosen device in the chosen precision.
 */
public final class ClipLoader {

    /** File names of a Hugging Face CLIP folder. */
    public static final String CONFIG_FILE = "config.json";

    public static final String WEIGHTS_FILE = "model.safetensors";

    /** Hex digits of the weights' sha256 used as the revision of a model loaded from a plain folder. */
    private static final int REVISION_HEX_DIGITS = 12;

    private ClipLoader() {}

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

    private static void checkTensors(SafeTensors tensors, ClipConfig config) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Shape> expected : WeightLayout.expected(config).entrySet()) {
            String name = expected.getKey();
            SafeTensors.TensorInfo info = tensors.tensors().get(name);
            long[] want = expected.getValue().getShape();
            if (info == null) {
                problems.add("missing tensor " + name + " (expected shape " + Arrays.toString(want) + ")");
                continue;
            }
            boolean scalar = want.length == 0 && info.elementCount() == 1 && info.shape().length <= 1;
            if (!scalar && !Arrays.equals(want, info.shape())) {
                problems.add("tensor " + name + " has shape " + info.shapeString() + ", expected "
                        + Arrays.toString(want) + " from config.json");
            }
            if (!info.dtype().equals("F32") && !info.dtype().equals("F16") && !info.dtype().equals("BF16")) {
                problems.add("tensor " + name + " has dtype " + info.dtype() + ", expected F32, F16 or BF16");
            }
        }
        if (!problems.isEmpty()) {
            throw new ModelLoadException(tensors.file() + ": " + String.join("; ", problems));
        }
    }

    /** A model of {@code config} whose weights come from {@code source}; {@code tokenizer} may be null. */
    static ClipModel build(ClipConfig config, WeightLayout.TensorSource source, ClipTokenizer tokenizer,
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

}
