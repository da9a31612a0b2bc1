package io.tagclip.clip;

import static io.tagclip.golden.GoldenTensors.floats;
import static io.tagclip.testing.Tolerance.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tagclip.golden.GoldenTensors;
import io.tagclip.golden.TinyModel;
import io.tagclip.tokenizer.ClipTokenizer;
import io.tagclip.weights.ModelLoadException;
import io.tagclip.weights.TorchCheckpoint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PyTorch checkpoints: the weights-only reader on tensors PyTorch wrote (dtypes, views, shared storage), its refusal
 * of anything that is not a tensor, and the tiny golden model as {@code pytorch_model.bin}, OpenAI {@code .pt} and
 * open_clip checkpoint giving exactly the safetensors model's outputs.
 */
class TorchCheckpointTest {

    private static ClipModel reference;
    private static NDManager manager;
    private static float[] referenceFeatures;
    private static float[] referenceText;

    @TempDir
    Path temp;

    @BeforeAll
    static void load() {
        reference = TinyModel.shared();
        manager = NDManager.newBaseManager();
        referenceFeatures = GoldenTensors.visionProbe(reference);
        referenceText = GoldenTensors.textProbe(reference);
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void shouldReadEveryDtypeViewAndSharedStorageAsPyTorchWroteThem() throws IOException {
        JsonNode expected =
                new ObjectMapper().readTree(Checkpoints.file("views.json").toFile());
        try (TorchCheckpoint checkpoint = TorchCheckpoint.open(Checkpoints.file("views.bin"))) {
            for (String name : List.of(
                    "f32", "f16", "bf16", "transposed", "offset", "shared_a", "shared_b", "scalar", "parameter")) {
                JsonNode tensor = expected.get(name);
                long[] shape = new long[tensor.get("shape").size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = tensor.get("shape").get(i).asLong();
                }
                assertThat(checkpoint.entries().get(name).shape()).as(name).containsExactly(shape);
                float[] values = tensor.get("values").isArray()
                        ? floats(tensor.get("values"))
                        : new float[] {(float) tensor.get("values").asDouble()};
                assertClose(name, checkpoint.readFloats(name), values, 0);
            }
            assertThat(checkpoint.entries().get("bf16").dtype()).isEqualTo("BF16");
            assertThat(checkpoint.entries().get("f16").dtype()).isEqualTo("F16");
            assertThat(checkpoint.entries().get("i64").dtype()).isEqualTo("I64");
            assertThatThrownBy(() -> checkpoint.readFloats("i64"))
                    .isInstanceOf(ModelLoadException.class)
                    .hasMessageContaining("tensor i64 has dtype I64");
        }
    }

    @Test
    void shouldRefuseAGlobalThatIsNotATensorNamingIt() throws IOException {
        // GLOBAL os.system, ('echo pwned',), REDUCE: what a malicious checkpoint does on torch.load
        ByteArrayOutputStream pickle = new ByteArrayOutputStream();
        pickle.write(new byte[] {(byte) 0x80, 2});
        pickle.write("cos\nsystem\n".getBytes(StandardCharsets.US_ASCII));
        pickle.write('X');
        byte[] command = "echo pwned".getBytes(StandardCharsets.US_ASCII);
        pickle.write(new byte[] {(byte) command.length, 0, 0, 0});
        pickle.write(command);
        pickle.write(new byte[] {(byte) 0x85, 'R', '.'});
        Path file = archive("evil.bin", pickle.toByteArray());

        assertThatThrownBy(() -> TorchCheckpoint.open(file))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("os.system")
                .hasMessageContaining("runs no code");
    }

    @Test
    void shouldRefuseScriptClassesOutsideATorchScriptArchive() throws IOException {
        byte[] pickle = "\u0080\u0002c__torch__\nEvil\n)\u0081.".getBytes(StandardCharsets.ISO_8859_1);
        Path file = archive("script.bin", pickle);
        assertThatThrownBy(() -> TorchCheckpoint.open(file))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("__torch__.Evil");
    }

    @Test
    void shouldRefuseAnOpcodeOutsideTheStateDictSubset() throws IOException {
        byte[] pickle = {(byte) 0x80, 2, 'I', '1', '\n', '.'}; // INT: a text opcode of protocol 0
        Path file = archive("text.bin", pickle);
        assertThatThrownBy(() -> TorchCheckpoint.open(file))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("opcode 0x49 at byte 2");
    }

    @Test
    void shouldRefuseTheLegacyFormatAndNonCheckpoints() throws IOException {
        Path legacy = Files.write(temp.resolve("legacy.pt"), new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10});
        assertThatThrownBy(() -> TorchCheckpoint.open(legacy))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("legacy format");
        Path text = Files.writeString(temp.resolve("notes.bin"), "hello");
        assertThatThrownBy(() -> ClipLoader.load(text, ClipOptions.cpu()))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("not a PyTorch checkpoint");
    }

    @Test
    void shouldLoadAHuggingFaceFolderWithOnlyPytorchModelBin() throws IOException {
        Path folder = Checkpoints.hfBinFolder(temp);
        try (TorchCheckpoint bin = TorchCheckpoint.open(folder.resolve(ClipLoader.PYTORCH_WEIGHTS_FILE))) {
            assertThat(bin.entries().get("text_model.embeddings.position_ids").dtype())
                    .isEqualTo("I64");
            assertThat(bin.entries().get("vision_model.embeddings.position_ids").shape())
                    .containsExactly(1, 197);
            assertThat(bin.entries().get("logit_scale").shape()).isEmpty();
        }
        try (ClipModel model = ClipLoader.load(folder, ClipOptions.cpu())) {
            assertSameOutputs(model);
            assertThat(model.modelId()).isEqualTo("hf-bin");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {Checkpoints.OPENAI_PT, Checkpoints.OPEN_CLIP_PT})
    void shouldLoadOpenAiNamedFilesWithTheLayoutFromTheirShapes(String fixture) {
        try (ClipModel model = ClipLoader.load(Checkpoints.file(fixture), ClipOptions.cpu())) {
            assertThat(model.config()).isEqualTo(reference.config());
            assertSameOutputs(model);
            String text = "a jpeg corrupted photo of a teddy bear.";
            assertThat(model.tokenizer().encode(text))
                    .containsExactly(reference.tokenizer().encode(text));
        }
    }

    @Test
    void shouldGiveTheGoldenPlainClipLogitsFromTheOpenAiFile() {
        JsonNode golden = GoldenTensors.expected("clip_plain.json");
        try (ClipModel model = ClipLoader.load(Checkpoints.file(Checkpoints.OPENAI_PT), ClipOptions.cpu());
                NDManager scope = manager.newSubManager()) {
            NDArray image = PromptEnsemble.normalize(
                    model.encodeImage(GoldenTensors.image(scope, "expected/chelsea.plain224.png")));
            List<String> prompts = List.of(
                    golden.get("text").get("prompts").get(0).asText(),
                    golden.get("text").get("prompts").get(1).asText(),
                    golden.get("text").get("prompts").get(2).asText());
            NDArray text = PromptEnsemble.normalize(model.encodeTexts(prompts, scope));
            NDArray logits = image.matMul(text.transpose()).mul(model.logitScale()); // [1,E] x [E,3] -> [1,3]
            assertThat(logits.getShape()).isEqualTo(new Shape(1, 3));
            assertClose("logits per image", logits.toFloatArray(), floats(golden.get("logits_per_image")), 1e-4);
        }
    }

    @Test
    void shouldTokenizeWithTheBundledVocabularyExactlyAsTheFixtureFiles() throws IOException {
        ClipTokenizer standard = ClipTokenizer.standard(77);
        JsonNode tokens = GoldenTensors.expected("tokens.json");
        ClipTokenizer fixture = reference.tokenizer();
        for (String text : List.of("a photo of a tvmonitor.", "itap of a pottedplant", "Hello  WORLD &amp; é")) {
            assertThat(standard.encode(text)).as(text).containsExactly(fixture.encode(text));
        }
        assertThat(tokens).isNotNull();
        JsonNode vocab = new ObjectMapper()
                .readTree(GoldenTensors.modelFolder().resolve("vocab.json").toFile());
        assertThat(vocab.size()).isEqualTo(ClipLoader.STANDARD_VOCAB_SIZE);
    }

    private static void assertSameOutputs(ClipModel model) {
        assertClose("first-pass features", GoldenTensors.visionProbe(model), referenceFeatures, 0);
        assertClose("text features", GoldenTensors.textProbe(model), referenceText, 0);
        assertThat(model.logitScale()).isEqualTo(reference.logitScale());
    }

    private Path archive(String name, byte[] pickle) throws IOException {
        Path file = temp.resolve(name);
        try (OutputStream out = Files.newOutputStream(file);
                ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("archive/data.pkl"));
            zip.write(pickle);
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("archive/version"));
            zip.write("3\n".getBytes(StandardCharsets.US_ASCII));
            zip.closeEntry();
        }
        return file;
    }
}
