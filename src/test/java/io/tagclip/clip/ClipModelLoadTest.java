package io.tagclip.clip;

import static io.tagclip.testing.Tolerance.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tagclip.golden.GoldenTensors;
import io.tagclip.golden.TinyModel;
import io.tagclip.tokenizer.ClipTokenizer;
import io.tagclip.weights.ModelLoadException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading Hugging Face folders: dtypes, validation of every tensor, missing files, identity of the model. */
class ClipModelLoadTest {

    private static final String FC1_BIAS = "vision_model.encoder.layers.3.mlp.fc1.bias";
    private static final String TEXT_PROJECTION = "text_projection.weight";

    private static ClipModel reference;
    private static float[] referenceFeatures;
    private static float[] referenceText;

    @TempDir
    Path temp;

    @BeforeAll
    static void load() {
        reference = TinyModel.shared();
        referenceFeatures = GoldenTensors.visionProbe(reference);
        referenceText = GoldenTensors.textProbe(reference);
    }

    @Test
    void shouldDescribeTheFixtureModel() {
        ClipConfig config = reference.config();
        assertThat(config.visionWidth()).isEqualTo(128);
        assertThat(config.visionHeads()).isEqualTo(2);
        assertThat(config.visionLayers()).isEqualTo(12);
        assertThat(config.patchSize()).isEqualTo(16);
        assertThat(config.textWidth()).isEqualTo(64);
        assertThat(config.embedDim()).isEqualTo(64);
        assertThat(config.visionActivation()).isEqualTo(ClipConfig.Activation.QUICK_GELU);
        assertThat(reference.modelId()).isEqualTo("model");
        assertThat(reference.revision()).isEqualTo("a0a05cc97c9b"); // sha256 prefix from the golden README
        assertThat(reference.device()).isEqualTo(Device.cpu());
    }

    @Test
    void shouldLoadF16CopyToIdenticalOutputs() throws IOException {
        Path folder = copyWith("F16", null);
        try (ClipModel half = ClipLoader.load(folder, ClipOptions.cpu())) {
            assertClose("F16 image features", GoldenTensors.visionProbe(half), referenceFeatures, 0);
            assertClose("F16 text features", GoldenTensors.textProbe(half), referenceText, 0);
        }
    }

    @Test
    void shouldDecodeBf16LikeTheSameValuesStoredAsF32() throws IOException {
        Path bf16 = copyWith("BF16", null);
        Map<String, SafeTensorsWriter.Tensor> rounded =
                SafeTensorsWriter.readAll(GoldenTensors.modelFolder().resolve("model.safetensors"), "F32");
        rounded.replaceAll((name, t) -> new SafeTensorsWriter.Tensor("F32", t.shape(), bf16Values(t.values())));
        Path f32 = folderWith(rounded, "f32-of-bf16");
        try (ClipModel fromBf16 = ClipLoader.load(bf16, ClipOptions.cpu());
                ClipModel fromF32 = ClipLoader.load(f32, ClipOptions.cpu())) {
            float[] bf16Features = GoldenTensors.visionProbe(fromBf16);
            assertClose("BF16 vs the same values in F32", bf16Features, GoldenTensors.visionProbe(fromF32), 0);
            // bfloat16 keeps 8 mantissa bits: the outputs stay close to the float32 model's
            assertClose("BF16 vs float32 model", bf16Features, referenceFeatures, 0.1);
        }
    }

    @Test
    void shouldRejectAMissingTensorNamingIt() throws IOException {
        Path folder = copyWith("F32", tensors -> tensors.remove(FC1_BIAS));
        assertThatThrownBy(() -> ClipLoader.load(folder, ClipOptions.cpu()))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("missing tensor " + FC1_BIAS)
                .hasMessageContaining("[512]");
    }

    @Test
    void shouldRejectAMisShapedTensorNamingItAndBothShapes() throws IOException {
        Path folder = copyWith("F32", tensors -> {
            SafeTensorsWriter.Tensor t = tensors.get(TEXT_PROJECTION);
            float[] half = Arrays.copyOf(t.values(), 64 * 32);
            tensors.put(TEXT_PROJECTION, new SafeTensorsWriter.Tensor("F32", new long[] {64, 32}, half));
        });
        assertThatThrownBy(() -> ClipLoader.load(folder, ClipOptions.cpu()))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("tensor " + TEXT_PROJECTION + " has shape [64, 32], expected [64, 64]");
    }

    @Test
    void shouldNameTheMissingFile() throws IOException {
        Path folder = copyWith("F32", null);
        Files.delete(folder.resolve("model.safetensors"));
        assertThatThrownBy(() -> ClipLoader.load(folder, ClipOptions.cpu()))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(folder.resolve("model.safetensors").toString());
        Path noConfig = copyWith("F32", null);
        Files.delete(noConfig.resolve("config.json"));
        assertThatThrownBy(() -> ClipLoader.load(noConfig, ClipOptions.cpu()))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(noConfig.resolve("config.json").toString());
        Path noMerges = copyWith("F32", null);
        Files.delete(noMerges.resolve("merges.txt"));
        assertThatThrownBy(() -> ClipLoader.load(noMerges, ClipOptions.cpu()))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("tokenizer files not found");
    }

    @Test
    void shouldRejectTruncatedWeights() throws IOException {
        Path folder = copyWith("F32", null);
        Path weights = folder.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> ClipLoader.load(folder, ClipOptions.cpu()))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("data_offsets")
                .hasMessageContaining(weights.toString());
    }

    @Test
    void shouldRefuseBfloat16NamingWhyInsteadOfAbortingTheJvm() {
        assertThatThrownBy(() -> new ClipOptions(Device.cpu(), DataType.BFLOAT16))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bf16 cannot run");
        assertThatThrownBy(() -> ClipOptions.parse("gpu", "bf16"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bf16 cannot run");
        assertThatThrownBy(() -> ClipOptions.parse("cpu", "fp8"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'fp8'");
    }

    @Test
    void shouldPickFp16OnAGpuAndFloat32OnTheCpuForAutoPrecision() {
        assertThat(ClipOptions.parse("cpu", "auto").dtype()).isEqualTo(DataType.FLOAT32);
        assertThat(ClipOptions.parse("gpu", "auto").dtype()).isEqualTo(DataType.FLOAT16);
        assertThat(ClipOptions.parse("gpu", "fp32").dtype()).isEqualTo(DataType.FLOAT32);
    }

    @Test
    void shouldLoadFp16OnTheCpuWithHalfWeightsAndFloat32LayerNorm() {
        try (ClipModel model =
                ClipLoader.load(GoldenTensors.modelFolder(), new ClipOptions(Device.cpu(), DataType.FLOAT16))) {
            assertThat(model.dtype()).isEqualTo(DataType.FLOAT16);
            assertThat(model.device()).isEqualTo(Device.cpu());
        }
    }

    @Test
    void shouldReadTokenizerJsonWhenVocabAndMergesAreAbsent() throws IOException {
        Path folder = copyWith("F32", null);
        writeTokenizerJson(folder);
        Files.delete(folder.resolve("vocab.json"));
        Files.delete(folder.resolve("merges.txt"));
        ClipTokenizer fromJson = ClipTokenizer.fromFolder(folder, 77);
        String text = "a jpeg corrupted photo of a teddy bear.";
        assertThat(fromJson.encode(text)).containsExactly(reference.tokenizer().encode(text));
        assertThat(fromJson.encode(text)).containsExactly(320, 73, 11207, 30429, 775, 1125, 539, 320, 11798, 4298, 269);
    }

    private static float[] bf16Values(float[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = SafeTensorsWriter.roundToBfloat16(values[i]);
        }
        return out;
    }

    private interface Edit {
        void apply(Map<String, SafeTensorsWriter.Tensor> tensors);
    }

    /** A copy of the fixture folder with the weights re-written in {@code dtype}, optionally edited. */
    private Path copyWith(String dtype, Edit edit) throws IOException {
        Map<String, SafeTensorsWriter.Tensor> tensors =
                SafeTensorsWriter.readAll(GoldenTensors.modelFolder().resolve("model.safetensors"), dtype);
        if (edit != null) {
            edit.apply(tensors);
        }
        return folderWith(tensors, dtype.toLowerCase(Locale.ROOT) + "-" + System.nanoTime());
    }

    private Path folderWith(Map<String, SafeTensorsWriter.Tensor> tensors, String name) throws IOException {
        Path folder = Files.createDirectories(temp.resolve(name));
        for (String file : List.of("config.json", "vocab.json", "merges.txt")) {
            Files.copy(GoldenTensors.modelFolder().resolve(file), folder.resolve(file));
        }
        SafeTensorsWriter.write(folder.resolve("model.safetensors"), tensors);
        return folder;
    }

    /** A minimal Hugging Face tokenizer.json (model.vocab + model.merges) built from vocab.json and merges.txt. */
    private static void writeTokenizerJson(Path folder) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.set("vocab", json.readTree(folder.resolve("vocab.json").toFile()));
        ArrayNode merges = model.putArray("merges");
        List<String> lines = Files.readAllLines(folder.resolve("merges.txt"));
        for (String line : lines.subList(1, lines.size())) {
            merges.add(line);
        }
        json.writeValue(folder.resolve("tokenizer.json").toFile(), root);
    }
}
