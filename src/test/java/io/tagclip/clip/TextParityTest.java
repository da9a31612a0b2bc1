package io.tagclip.clip;

import static io.tagclip.golden.GoldenTensors.floats;
import static io.tagclip.testing.Tolerance.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import io.tagclip.golden.GoldenTensors;
import io.tagclip.golden.TinyModel;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Plain CLIP (image and text embeddings, {@code clip_plain.json}) and the prompt ensemble ({@code text_voc2007.json})
 * against the reference, at the golden README's 1e-5.
 */
class TextParityTest {

    private static ClipModel model;
    private static NDManager manager;

    @BeforeAll
    static void load() {
        model = TinyModel.shared();
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void shouldReadLogitScaleFromTheWeights() {
        double expected = Math.exp(
                GoldenTensors.expected("clip_plain.json").get("logit_scale").asDouble());
        assertThat((double) model.logitScale()).isCloseTo(expected, Offset.offset(1e-4));
        assertThat(model.logitScale()).isCloseTo(100.02993f, Offset.offset(1e-4f));
    }

    @Test
    void shouldMatchPlainClipImageAndTextEmbeddings() {
        JsonNode golden = GoldenTensors.expected("clip_plain.json");
        try (NDManager scope = manager.newSubManager()) {
            NDArray image = GoldenTensors.image(scope, "expected/chelsea.plain224.png");
            NDArray imageEmbedding = model.encodeImage(image);
            assertThat(imageEmbedding.getShape()).isEqualTo(new Shape(1, 64));
            assertThat(imageEmbedding.getManager()).isSameAs(scope);
            assertClose("image embedding", imageEmbedding.toFloatArray(), floats(golden.get("image_embedding")), 1e-5);

            JsonNode text = golden.get("text");
            int[] ids = GoldenTensors.ints(text.get("ids77").get(0));
            long[] all = new long[3 * 77];
            for (int t = 0; t < 3; t++) {
                int[] row = GoldenTensors.ints(text.get("ids77").get(t));
                for (int i = 0; i < 77; i++) {
                    all[t * 77 + i] = row[i];
                }
            }
            assertThat(ids).hasSize(77);
            NDArray tokens = scope.create(all, new Shape(3, 77));
            NDArray textEmbedding = model.encodeText(tokens);
            assertThat(textEmbedding.getShape()).isEqualTo(new Shape(3, 64));
            assertClose("text embeddings", textEmbedding.toFloatArray(), floats(text.get("text_embedding")), 1e-5);
            NDArray int32 = model.encodeText(tokens.toType(DataType.INT32, false));
            assertClose("text embeddings from int32 ids", int32.toFloatArray(), textEmbedding.toFloatArray(), 0);

            List<String> prompts = new ArrayList<>();
            text.get("prompts").forEach(p -> prompts.add(p.asText()));
            assertClose(
                    "text embeddings from strings",
                    model.encodeTexts(prompts, scope).toFloatArray(),
                    textEmbedding.toFloatArray(),
                    1e-6);

            NDArray logits = PromptEnsemble.normalize(imageEmbedding)
                    .matMul(PromptEnsemble.normalize(textEmbedding).transpose())
                    .mul(model.logitScale()); // [1,E] x [E,3] -> [1,3]
            assertClose("logits per image", logits.toFloatArray(), floats(golden.get("logits_per_image")), 1e-4);
        }
    }

    @Test
    void shouldMatchPromptEnsembleOfVoc() {
        JsonNode golden = GoldenTensors.expected("text_voc2007.json");
        List<String> classes = new ArrayList<>();
        golden.get("classes").forEach(c -> classes.add(c.asText()));
        try (NDManager scope = manager.newSubManager()) {
            JsonNode raw = golden.get("class0_prompt_embeddings_raw");
            List<String> prompts = new ArrayList<>();
            raw.get("prompts").forEach(p -> prompts.add(p.asText()));
            assertThat(prompts).containsExactlyElementsOf(PromptEnsemble.prompts(List.of(classes.get(0))));
            assertClose(
                    "class 0 raw prompt embeddings",
                    model.encodeTexts(prompts, scope).toFloatArray(),
                    floats(raw.get("embeddings")),
                    1e-5);

            NDArray embeddings = PromptEnsemble.embed(model, classes, scope);
            assertThat(embeddings.getShape()).isEqualTo(new Shape(45, 64));
            assertThat(embeddings.getManager()).isSameAs(scope);
            assertClose(
                    "text features used", embeddings.toFloatArray(), floats(golden.get("text_features_used")), 1e-5);
        }
    }
}
