package io.tagclip.clip;

import static io.tagclip.testing.Tolerance.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tagclip.golden.GoldenTensors;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files with the exact layout of OpenAI's Hugging Face repositories: the {@code config.json} key sets of
 * {@code openai/clip-vit-base-patch16} (full sub-configs, {@code text_config.eos_token_id: 2},
 * {@code vision_config_dict: {"patch_size": 16}}, {@code text_config_dict: null}) and
 * {@code openai/clip-vit-large-patch14} (both {@code *_config_dict} filled), and the tensor-name set of their weights
 * (int64 {@code position_ids} buffers, a scalar {@code logit_scale}).
 */
class RealConfigLayoutTest {

    @TempDir
    Path temp;

    @Test
    void shouldReadTheBasePatch16ConfigAsVitB16() {
        assertThat(ClipConfig.fromHuggingFace(config("clip-vit-base-patch16"))).isEqualTo(ClipConfig.vitB16());
    }

    @Test
    void shouldReadTheLargePatch14Config() {
        ClipConfig large = ClipConfig.fromHuggingFace(config("clip-vit-large-patch14"));
        assertThat(large)
                .isEqualTo(new ClipConfig(
                        1024,
                        24,
                        16,
                        4096,
                        14,
                        224,
                        1e-5f,
                        ClipConfig.Activation.QUICK_GELU,
                        768,
                        12,
                        12,
                        3072,
                        77,
                        49408,
                        1e-5f,
                        ClipConfig.Activation.QUICK_GELU,
                        768));
        assertThat(large.visionTokens()).isEqualTo(257);
    }

    @Test
    void shouldLoadTheTinyModelInTheRealLayoutToTheSameOutputs() throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode real =
                (ObjectNode) json.readTree(config("clip-vit-base-patch16").toFile());
        ClipConfig tiny = ClipConfig.fromHuggingFace(GoldenTensors.modelFolder().resolve("config.json"));
        real.put("projection_dim", tiny.embedDim());
        ObjectNode vision = (ObjectNode) real.get("vision_config");
        vision.put("hidden_size", tiny.visionWidth())
                .put("num_attention_heads", tiny.visionHeads())
                .put("intermediate_size", tiny.visionMlpWidth())
                .put("projection_dim", tiny.embedDim());
        ObjectNode text = (ObjectNode) real.get("text_config");
        text.put("hidden_size", tiny.textWidth())
                .put("num_attention_heads", tiny.textHeads())
                .put("intermediate_size", tiny.textMlpWidth())
                .put("projection_dim", tiny.embedDim());
        assertThat(text.get("eos_token_id").asInt()).isEqualTo(2);

        Path folder = Files.createDirectories(temp.resolve("clip-vit-base-patch16-tiny"));
        json.writerWithDefaultPrettyPrinter()
                .writeValue(folder.resolve("config.json").toFile(), real);
        for (String file : List.of("vocab.json", "merges.txt")) {
            Files.copy(GoldenTensors.modelFolder().resolve(file), folder.resolve(file));
        }
        Map<String, SafeTensorsWriter.Tensor> tensors =
                SafeTensorsWriter.readAll(GoldenTensors.modelFolder().resolve("model.safetensors"), "F32");
        tensors.put(
                "logit_scale",
                new SafeTensorsWriter.Tensor(
                        "F32", new long[0], tensors.get("logit_scale").values()));
        tensors.put("text_model.embeddings.position_ids", positionIds(tiny.contextLength()));
        tensors.put("vision_model.embeddings.position_ids", positionIds(tiny.visionTokens()));
        SafeTensorsWriter.write(folder.resolve("model.safetensors"), tensors);

        try (ClipModel realLayout = ClipLoader.load(folder, ClipOptions.cpu());
                ClipModel reference = ClipLoader.load(GoldenTensors.modelFolder(), ClipOptions.cpu());
                NDManager manager = NDManager.newBaseManager()) {
            assertThat(realLayout.config()).isEqualTo(reference.config());
            List<String> prompts = List.of("a photo of a cat.", "itap of my pottedplant.");
            assertClose(
                    "text features pooled at <|endoftext|>",
                    realLayout.encodeTexts(prompts, manager).toFloatArray(),
                    reference.encodeTexts(prompts, manager).toFloatArray(),
                    0);
            NDArray image = GoldenTensors.image(manager, "expected/chelsea_small.resized.png");
            assertClose(
                    "image features",
                    realLayout.encodeImage(image).toFloatArray(),
                    reference.encodeImage(image).toFloatArray(),
                    0);
            assertThat(realLayout.logitScale()).isEqualTo(reference.logitScale());
        }
    }

    private static SafeTensorsWriter.Tensor positionIds(int count) {
        float[] ids = new float[count];
        for (int i = 0; i < count; i++) {
            ids[i] = i;
        }
        return new SafeTensorsWriter.Tensor("I64", new long[] {1, count}, ids);
    }

    private static Path config(String repo) {
        try {
            return Path.of(RealConfigLayoutTest.class
                    .getResource("/configs/" + repo + ".config.json")
                    .toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
