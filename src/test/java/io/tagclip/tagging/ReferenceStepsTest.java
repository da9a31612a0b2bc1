package io.tagclip.tagging;

import static io.tagclip.testing.Tolerance.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import io.tagclip.clip.LayerMaps;
import io.tagclip.clip.TokenLayout;
import io.tagclip.golden.Golden;
import io.tagclip.preprocess.ClipImage;
import io.tagclip.preprocess.ClipTransform;
import io.tagclip.preprocess.CropResize;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each TagCLIP step on the reference's own intermediate tensors (the fixture's full dumps), so that every step is
 * checked in isolation: a failure points at one step, not at the whole chain. Tolerances follow the fixture's
 * README: probability maps 1e-6 here because inputs are the reference's exact float32 values, discrete results exact.
 */
class ReferenceStepsTest {

    private static final TagClipParams PARAMS = TagClipParams.REFERENCE;
    private static NDManager manager;

    @BeforeAll
    static void engine() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void release() {
        manager.close();
    }

    static List<Arguments> fullDumps() {
        List<Arguments> args = new ArrayList<>();
        for (String image : Golden.FULL_DUMPS) {
            for (String vocab : List.of("voc2007", "coco2014")) {
                args.add(Arguments.of(image, vocab));
            }
        }
        return args;
    }

    static List<Arguments> everyImage() {
        List<Arguments> args = new ArrayList<>();
        for (String image : Golden.IMAGES) {
            for (String vocab : List.of("voc2007", "coco2014")) {
                args.add(Arguments.of(image, vocab));
            }
        }
        return args;
    }

    @ParameterizedTest
    @MethodSource("fullDumps")
    void shouldReproduceDmarFromReferenceCoarseMapAndWeights(String image, String vocab) {
        JsonNode expected = Golden.expected(image, vocab);
        JsonNode full = expected.get("full");
        int gridH = expected.get("grid_hw").get(0).asInt();
        int gridW = expected.get("grid_hw").get(1).asInt();
        int n = gridH * gridW;
        int k = expected.get("classes").size();
        try (NDManager scope = manager.newSubManager()) {
            NDArray weights = scope.create(Golden.matrix(full.get("W")), new Shape(n, n));
            NDArray coarse = scope.create(Golden.matrix(full.get("P_coarse")), new Shape(n, k));

            AttentionRefiner.Refinement refinement = AttentionRefiner.refine(weights, coarse, gridH, gridW, PARAMS);

            assertClose(
                    "P_attn_refined",
                    refinement.attentionRefined().toFloatArray(),
                    Golden.matrix(full.get("P_attn_refined")),
                    1e-6);
            assertClose("P_dmar", refinement.refined().toFloatArray(), Golden.matrix(full.get("P_dmar")), 1e-6);
            for (JsonNode perClass : expected.get("step2_dmar").get("per_class")) {
                int c = perClass.get("class").asInt();
                AttentionRefiner.ClassBoxes boxes = refinement.classes().get(c);
                assertThat(boxes.masked()).isTrue();
                boolean[] mask = ScoreMapBoxes.fill(boxes.boxes(), gridH, gridW);
                assertThat(rows(mask, gridH, gridW))
                        .as("class %d box mask", c)
                        .containsExactlyElementsOf(strings(perClass.get("box_mask_rows")));
                assertThat(count(mask)).isEqualTo(perClass.get("box_mask_cells").asInt());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("fullDumps")
    void shouldFindReferenceBoxesAsUnionOfComponentBoxes(String image, String vocab) {
        JsonNode expected = Golden.expected(image, vocab);
        int gridH = expected.get("grid_hw").get(0).asInt();
        int gridW = expected.get("grid_hw").get(1).asInt();
        int k = expected.get("classes").size();
        float[] refined = Golden.matrix(expected.get("full").get("P_attn_refined"));
        for (JsonNode perClass : expected.get("step2_dmar").get("per_class")) {
            int c = perClass.get("class").asInt();
            float[] column = column(refined, k, c);

            List<PatchBox> boxes = AttentionRefiner.classBoxes(column, gridH, gridW, PARAMS.boxQuantisation());

            List<PatchBox> reference = new ArrayList<>();
            for (JsonNode b : perClass.get("boxes_x0y0x1y1")) {
                reference.add(new PatchBox(
                        b.get(0).asInt(),
                        b.get(1).asInt(),
                        b.get(2).asInt(),
                        b.get(3).asInt()));
            }
            if (perClass.get("box_mask_cells").asInt() == 0 && reference.equals(List.of(new PatchBox(0, 0, 0, 0)))) {
                reference = List.of();
            }
            // OpenCV may also report contours inside holes; the union is what matters, list order is OpenCV's.
            assertThat(ScoreMapBoxes.fill(boxes, gridH, gridW)).isEqualTo(ScoreMapBoxes.fill(reference, gridH, gridW));
            assertThat(reference).containsAll(boxes);
        }
    }

    @Test
    void shouldReproduceVoteMaskAndWeightsFromAttention() {
        JsonNode vision = Golden.expected("vision_chelsea_small.json");
        JsonNode expected = Golden.expected("chelsea_small", "voc2007");
        JsonNode layers = vision.get("attention_per_layer");
        int l = layers.size();
        int t = layers.get(0).size();
        float[] flat = new float[l * t * t];
        for (int i = 0; i < l; i++) {
            System.arraycopy(Golden.matrix(layers.get(i)), 0, flat, i * t * t, t * t);
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray attentions = scope.create(flat, new Shape(l, t, t));

            // reduced one layer at a time, as the first pass hands the maps over
            LayerVotes votes =
                    new LayerVotes(TokenLayout.uniform(1, new TokenLayout.Grid(7, (t - 1) / 7)), l, PARAMS, scope);
            LayerMaps.handOver(attentions.expandDims(1), votes); // [L,T,T] -> [L,1,T,T]
            boolean[] vote = votes.mask(0).toBooleanArray();

            int n = t - 1;
            List<String> rows = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                StringBuilder sb = new StringBuilder();
                for (int c = 0; c < n; c++) {
                    sb.append(vote[r * n + c] ? '1' : '0');
                }
                rows.add(sb.toString());
            }
            assertThat(rows)
                    .containsExactlyElementsOf(strings(expected.get("full").get("vote_mask")));
            assertThat(count(vote))
                    .isEqualTo(expected.get("attention").get("mask_true_count").asInt());
            assertClose(
                    "W",
                    votes.weights(0).toFloatArray(),
                    Golden.matrix(expected.get("full").get("W")),
                    1e-7);
        }
    }

    @ParameterizedTest
    @MethodSource("fullDumps")
    void shouldReproduceCoarseMapFromReferenceFeatures(String image, String vocab) {
        if (!image.equals("chelsea_small")) {
            return; // only chelsea_small has the full per-token features dumped
        }
        JsonNode vision = Golden.expected("vision_chelsea_small.json");
        JsonNode text = Golden.expected("text_" + vocab + ".json");
        JsonNode features = vision.get("features_unnormalized");
        JsonNode textRows = text.get("text_features_used");
        try (NDManager scope = manager.newSubManager()) {
            NDArray tokens = scope.create(
                    Golden.matrix(features),
                    new Shape(features.size(), features.get(0).size()));
            NDArray table = scope.create(
                    Golden.matrix(textRows),
                    new Shape(textRows.size(), textRows.get(0).size()));

            NDArray coarse = PatchClassifier.classify(tokens, table, 100.02993f);

            // Logits are 100 x cosine: one float32 rounding of a dot product moves a probability by ~3e-6, so this
            // map gets the README's 1e-5 for probability maps (not 1e-6 like the maps computed from exact inputs).
            assertClose(
                    "P_coarse",
                    coarse.toFloatArray(),
                    Golden.matrix(Golden.expected(image, vocab).get("full").get("P_coarse")),
                    1e-5);
        }
    }

    @ParameterizedTest
    @MethodSource("fullDumps")
    void shouldPlanReferenceCwrCandidatesBoxesAndMasks(String image, String vocab) {
        JsonNode expected = Golden.expected(image, vocab);
        int gridH = expected.get("grid_hw").get(0).asInt();
        int gridW = expected.get("grid_hw").get(1).asInt();
        int k = expected.get("classes").size();
        int c = expected.get("num_dataset_classes").asInt();
        float[] refined = Golden.matrix(expected.get("full").get("P_dmar"));
        float[] local = TagClipTagger.localScores(refined, k, c);
        assertClose("scores_after_dmar", local, Golden.floats(expected.get("scores_after_dmar")), 0);

        ClassWiseReidentifier.Plan plan = ClassWiseReidentifier.plan(refined, k, local, gridH, gridW, PARAMS);

        JsonNode cwr = expected.get("step3_cwr");
        assertThat(plan.threshold())
                .isEqualTo((float) cwr.get("threshold_min_plus_half_range").asDouble());
        assertThat(plan.candidates()).containsExactly(boxed(Golden.ints(cwr.get("candidates"))));
        assertThat(plan.earlyReturnClass() >= 0)
                .isEqualTo(cwr.get("early_return").asBoolean());
        List<JsonNode> fused = new ArrayList<>();
        cwr.get("steps").forEach(step -> {
            if (!step.get("early_return").asBoolean()) {
                fused.add(step);
            } else {
                assertThat(plan.earlyReturnClass()).isEqualTo(step.get("class").asInt());
            }
        });
        assertThat(plan.crops()).hasSize(fused.size());
        for (int i = 0; i < fused.size(); i++) {
            JsonNode step = fused.get(i);
            ClassWiseReidentifier.Crop crop = plan.crops().get(i);
            int[] box = Golden.ints(step.get("box_x1y1x2y2"));
            assertThat(crop.classIndex()).isEqualTo(step.get("class").asInt());
            assertThat(crop.box()).isEqualTo(new PatchBox(box[0], box[1], box[2], box[3]));
            StringBuilder mask = new StringBuilder();
            for (boolean b : crop.mask()) {
                mask.append(b ? '1' : '0');
            }
            assertThat(mask.toString()).isEqualTo(step.get("mask14").asText());
        }
    }

    /**
     * The device's crop ({@code R_y · crop · R_xᵀ}) against the host's bilinear loop on the same weights, value by
     * value: the two only sum the same two-by-two products in a different order, so they agree to a few float32 ulps
     * of values below 3 in magnitude (1e-6).
     */
    @ParameterizedTest
    @MethodSource("everyImage")
    void shouldCutCropsOnTheDeviceAsTheHostResizeDoes(String image, String vocab) {
        ClipImage pixels = ClipTransform.reference(Golden.inputImage(image), PARAMS.patchSize());
        int p = PARAMS.patchSize();
        for (JsonNode step : Golden.expected(image, vocab).get("step3_cwr").get("steps")) {
            if (step.get("early_return").asBoolean()) {
                continue;
            }
            int[] box = Golden.ints(step.get("box_x1y1x2y2"));
            PatchBox cells = new PatchBox(box[0], box[1], box[2], box[3]);
            ClassWiseReidentifier.Crop crop =
                    new ClassWiseReidentifier.Crop(step.get("class").asInt(), cells, new boolean[196]);
            try (NDManager scope = manager.newSubManager()) {
                float[] device = ClassWiseReidentifier.cropPixels(pixels.toNDArray(scope), List.of(crop), PARAMS)
                        .toFloatArray();
                int size = PARAMS.cwrInputSize();
                float[] host = CropResize.bilinear(
                        pixels.chw(),
                        3,
                        pixels.height(),
                        pixels.width(),
                        cells.y0() * p,
                        cells.y1() * p,
                        cells.x0() * p,
                        cells.x1() * p,
                        size,
                        size);
                assertThat(device).hasSameSizeAs(host);
                for (int i = 0; i < host.length; i++) {
                    assertThat((double) Math.abs(device[i] - host[i]))
                            .as("crop value %d", i)
                            .isLessThanOrEqualTo(1e-6);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("everyImage")
    void shouldCutAndResizeCwrCropsLikeReference(String image, String vocab) {
        JsonNode steps = Golden.expected(image, vocab).get("step3_cwr").get("steps");
        ClipImage pixels = ClipTransform.reference(Golden.inputImage(image), PARAMS.patchSize());
        for (JsonNode step : steps) {
            if (step.get("early_return").asBoolean()) {
                continue;
            }
            int[] box = Golden.ints(step.get("box_x1y1x2y2"));
            ClassWiseReidentifier.Crop crop = new ClassWiseReidentifier.Crop(
                    step.get("class").asInt(), new PatchBox(box[0], box[1], box[2], box[3]), new boolean[196]);
            try (NDManager scope = manager.newSubManager()) {
                float[] values = ClassWiseReidentifier.cropPixels(pixels.toNDArray(scope), List.of(crop), PARAMS)
                        .toFloatArray();
                double sum = 0;
                double absSum = 0;
                for (float v : values) {
                    sum += v;
                    absSum += Math.abs(v);
                }
                // float32 sums of 150,528 values in the reference: 1e-6 of the absolute sum bounds their rounding.
                double tolerance = 1e-6 * absSum;
                assertThat(sum).isCloseTo(step.get("crop_input_sum").asDouble(), within(tolerance));
                assertThat(absSum).isCloseTo(step.get("crop_input_abs_sum").asDouble(), within(tolerance));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("everyImage")
    void shouldFuseCropProbabilityLikeReference(String image, String vocab) {
        JsonNode expected = Golden.expected(image, vocab);
        int k = expected.get("classes").size();
        float[] local = Golden.floats(expected.get("scores_after_dmar"));
        List<ClassWiseReidentifier.Crop> crops = new ArrayList<>();
        List<Float> probabilities = new ArrayList<>();
        for (JsonNode step : expected.get("step3_cwr").get("steps")) {
            if (!step.get("early_return").asBoolean()) {
                crops.add(new ClassWiseReidentifier.Crop(
                        step.get("class").asInt(), new PatchBox(0, 0, 1, 1), new boolean[196]));
                for (JsonNode p : step.get("crop_softmax")) {
                    probabilities.add((float) p.asDouble());
                }
            }
        }
        float[] probs = new float[probabilities.size()];
        for (int i = 0; i < probs.length; i++) {
            probs[i] = probabilities.get(i);
        }

        float[] scores = ClassWiseReidentifier.fuse(local, crops, probs, k, PARAMS);

        assertClose("final_scores", scores, Golden.floats(expected.get("final_scores")), 0);
    }

    @ParameterizedTest
    @MethodSource("everyImage")
    void shouldDecideReferenceTagsFromReferenceScores(String image, String vocab) {
        JsonNode expected = Golden.expected(image, vocab);

        List<Integer> tags = TagDecision.decide(
                Golden.floats(expected.get("final_scores")), PARAMS, DecisionOptions.REFERENCE, null, null);

        assertThat(tags).containsExactlyInAnyOrder(boxed(Golden.ints(expected.get("tags"))));
    }

    private static float[] column(float[] map, int k, int c) {
        float[] col = new float[map.length / k];
        for (int i = 0; i < col.length; i++) {
            col[i] = map[i * k + c];
        }
        return col;
    }

    private static List<String> rows(boolean[] mask, int h, int w) {
        List<String> rows = new ArrayList<>();
        for (int y = 0; y < h; y++) {
            StringBuilder sb = new StringBuilder();
            for (int x = 0; x < w; x++) {
                sb.append(mask[y * w + x] ? '1' : '0');
            }
            rows.add(sb.toString());
        }
        return rows;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static int count(boolean[] mask) {
        int n = 0;
        for (boolean b : mask) {
            n += b ? 1 : 0;
        }
        return n;
    }

    private static Integer[] boxed(int[] values) {
        Integer[] out = new Integer[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
