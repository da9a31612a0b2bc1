package io.tagclip.clip;

import static io.tagclip.golden.GoldenTensors.floats;
import static io.tagclip.testing.Tolerance.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import io.tagclip.golden.GoldenTensors;
import io.tagclip.golden.TinyModel;
import io.tagclip.weights.Fp16;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The vision tower against the reference's layer-by-layer dumps ({@code vision_chelsea_small.json}: interpolated
 * positional embedding, full attention maps; {@code vision_astronaut_224.json}: the 224 path). Tolerances are the
 * golden README's: attention 1e-6, hidden states and features 1e-5; 1e-4 where the fp16-rounded positional table
 * amplifies a 1-ulp interpolation difference.
 */
class VisionParityTest {

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

    /**
     * The reference's own bilinear output differs from correctly rounded float32 by a few ulps (its dump is not
     * reproducible bit for bit by any float32 evaluation order), so after the fp16 rounding a few entries land one
     * fp16 step apart: the table must agree to 1e-6 before rounding and to one fp16 step after, almost everywhere
     * exactly.
     */
    @Test
    void shouldInterpolatePositionalEmbeddingBilinearlyThenRoundThroughFp16() {
        JsonNode golden = GoldenTensors.expected("vision_chelsea_small.json");
        float[] interpolated = PositionalEmbeddings.interpolate(model.positionalEmbedding(14, 14), 14, 128, 7, 10);
        assertClose(
                "interpolated before fp16",
                interpolated,
                floats(golden.get("positional_embedding_interpolated_before_fp16")),
                1e-6);

        float[] used = model.positionalEmbedding(7, 10);
        float[] expected = floats(golden.get("positional_embedding_used"));
        assertThat(used.length).isEqualTo(expected.length);
        int exact = 0;
        for (int i = 0; i < used.length; i++) {
            assertThat(Fp16.roundToHalf(used[i]))
                    .as("entry %d is an fp16 value", i)
                    .isEqualTo(used[i]);
            float oneHalfStep = Math.ulp(expected[i]) * (1 << 13); // fp16 has 13 fewer mantissa bits
            assertThat((double) Math.abs(used[i] - expected[i]))
                    .as("entry %d", i)
                    .isLessThanOrEqualTo(oneHalfStep);
            exact += used[i] == expected[i] ? 1 : 0;
        }
        assertThat((double) exact / used.length)
                .as("share of bit-exact entries")
                .isGreaterThan(0.95);
    }

    @Test
    void shouldMatchReferenceLayerByLayerOnInterpolatedInput() {
        JsonNode golden = GoldenTensors.expected("vision_chelsea_small.json");
        try (NDManager scope = manager.newSubManager()) {
            NDArray image = GoldenTensors.image(scope, "expected/chelsea_small.resized.png");
            assertThat(image.getShape()).isEqualTo(new Shape(1, 3, 112, 160));

            NDArray patches = model.vision().patchEmbed(image);
            assertClose("patch embedding", patches.toFloatArray(), floats(golden.get("patch_embedding")), 1e-5);

            // The forward itself, fed the reference's positional table: README tolerances.
            NDArray table = scope.create(floats(golden.get("positional_embedding_used")), new Shape(71, 128));
            List<NDArray> attention = new ArrayList<>();
            VisionTrace trace = VisionTrace.withPositional(table);
            NDArray last = model.vision()
                    .encode(scope, image, VisionTower.Mode.TAGCLIP, GoldenTensors.SELF_MASK, null, attention, trace);
            List<NDArray> hidden = trace.hiddenStates();
            for (int layer = 0; layer < 12; layer++) {
                assertRows(
                        "layer " + layer,
                        hidden.get(layer),
                        golden.get("hidden_per_layer").get(layer),
                        1e-5);
                assertClose(
                        "attention layer " + layer,
                        attention.get(layer).toFloatArray(),
                        floats(golden.get("attention_per_layer").get(layer)),
                        1e-6);
            }
            assertClose(
                    "features",
                    model.vision().project(last).toFloatArray(),
                    floats(golden.get("features_unnormalized")),
                    1e-5);

            // End to end with our own table: the one-fp16-step entries move the outputs by up to ~1e-4.
            VisionOutput output = model.encodeImageTagClip(image, GoldenTensors.SELF_MASK);
            assertThat(output.tokens().getShape()).isEqualTo(new Shape(1, 71, 64));
            assertThat(output.attentions().getShape()).isEqualTo(new Shape(12, 1, 71, 71));
            assertClose(
                    "features end to end",
                    output.tokens().toFloatArray(),
                    floats(golden.get("features_unnormalized")),
                    1e-3);
            assertClose(
                    "attentions end to end",
                    output.attentions().toFloatArray(),
                    floats(golden.get("attention_per_layer")),
                    1e-4);
        }
    }

    @Test
    void shouldMatchReferenceAtTrainingResolution() {
        JsonNode golden = GoldenTensors.expected("vision_astronaut_224.json");
        try (NDManager scope = manager.newSubManager()) {
            NDArray image = GoldenTensors.image(scope, "images/astronaut_224.png");
            List<NDArray> attention = new ArrayList<>();
            VisionTrace trace = VisionTrace.recording();
            NDArray patches = model.vision().patchEmbed(image);
            assertRows("patch embedding", patches.get(0).expandDims(0), golden.get("patch_embedding"), 1e-5);
            model.vision()
                    .encode(scope, image, VisionTower.Mode.TAGCLIP, GoldenTensors.SELF_MASK, null, attention, trace);
            List<NDArray> hidden = trace.hiddenStates();
            for (int layer = 0; layer < 12; layer++) {
                assertRows(
                        "layer " + layer,
                        hidden.get(layer),
                        golden.get("hidden_per_layer").get(layer),
                        1e-5);
                JsonNode maps = golden.get("attention_per_layer").get(layer);
                NDArray map = attention.get(layer).get(0); // [T,T]
                assertClose("cls row " + layer, map.get(0).toFloatArray(), floats(maps.get("cls_row")), 1e-6);
                assertClose("row 1 " + layer, map.get(1).toFloatArray(), floats(maps.get("row_1")), 1e-6);
                assertClose("diag " + layer, diagonal(map), floats(maps.get("diag")), 1e-6);
            }
            VisionOutput output = model.encodeImageTagClip(image, GoldenTensors.SELF_MASK);
            assertRows("features", output.tokens(), golden.get("features_unnormalized"), 1e-5);
        }
    }

    private static float[] diagonal(NDArray square) {
        float[] values = square.toFloatArray();
        int n = (int) square.getShape().get(0);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = values[i * n + i];
        }
        return out;
    }

    /** Compares the token rows named in {@code rows} (or {@code rows.rows}) of a [1,T,C] array. */
    private static void assertRows(String what, NDArray actual, JsonNode golden, double tolerance) {
        JsonNode rows = golden.has("rows") ? golden.get("rows") : golden;
        for (Map.Entry<String, JsonNode> row : rows.properties()) {
            int token = Integer.parseInt(row.getKey());
            assertClose(
                    what + " token " + token,
                    actual.get(0).get(token).toFloatArray(),
                    floats(row.getValue()),
                    tolerance);
        }
        if (golden.has("sum")) {
            double sum = actual.get(0).sum().getFloat();
            assertThat(sum).as("%s sum", what).isCloseTo(golden.get("sum").asDouble(), Offset.offset(1e-2));
        }
    }
}
