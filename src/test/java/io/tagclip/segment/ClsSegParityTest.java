package io.tagclip.segment;

import static io.tagclip.testing.Tolerance.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.GradCamPass;
import io.tagclip.golden.ClsSegGolden;
import io.tagclip.golden.Golden;
import io.tagclip.golden.TinyModel;
import io.tagclip.preprocess.ClipImage;
import io.tagclip.preprocess.ClipTransform;
import io.tagclip.weights.Fp16;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Parity with {@code clsseg-tiny}, the official CLIP-ES code's outputs on the tiny model, step by step, for every
 * VOC and COCO run of the fixture, at the tolerances its README derives from a float32-vs-float64 run of the
 * reference: logits 2e-5, attention mean 5e-6, transition 1e-7 absolute (or 1e-5 relative), Grad-CAM and its
 * high-resolution resize 5e-4, refined map 1e-5, saved maps 5e-4 (about one fp16 step), boxes exact, label maps equal
 * except at the pixels the fixture lists as fragile.
 */
class ClsSegParityTest {

    static final double LOGITS = 2e-5;
    static final double ATTENTION = 5e-6;
    static final double TRANSITION_ABS = 1e-7;
    static final double TRANSITION_REL = 1e-5;
    static final double GRAYSCALE = 5e-4;
    static final double REFINED = 1e-5;
    static final double HIGHRES = 5e-4;
    /** The encoder's stream after 11 blocks: unit-scale values through float32 GEMMs of another libtorch build. */
    static final double ENCODED = 1e-4;
    /** Text features through a different libtorch build: unit vectors, float32. */
    static final double TEXT = 1e-5;

    private static ClipModel model;
    private static Map<String, ClsSegmenter> segmenters;

    @BeforeAll
    static void load() {
        model = TinyModel.shared();
        segmenters = Map.of(
                "voc",
                new ClsSegmenter(
                        model,
                        new ClsSegVocabulary(
                                "voc2007",
                                ClsSegVocabulary.VOC_CLASS_NAMES,
                                ClsSegVocabulary.VOC_BACKGROUND,
                                ClsSegParams.voc())),
                "coco",
                new ClsSegmenter(
                        model,
                        new ClsSegVocabulary(
                                "coco2014",
                                ClsSegVocabulary.COCO_CLASS_NAMES,
                                ClsSegVocabulary.COCO_BACKGROUND,
                                ClsSegParams.coco())));
    }

    static List<String> runs() {
        return ClsSegGolden.RUNS;
    }

    @ParameterizedTest
    @ValueSource(strings = {"voc", "coco"})
    void shouldBuildTheOneTemplateTextFeatures(String dataset) {
        JsonNode expected = ClsSegGolden.text(dataset);
        ClsSegmenter segmenter = segmenters.get(dataset);

        assertThat(expected.get("template").asText()).isEqualTo(ClsSegParams.TEMPLATE);
        assertThat(names(expected.get("fg_class_names")))
                .containsExactlyElementsOf(segmenter.vocabulary().classNames());
        assertThat(names(expected.get("bg_class_names")))
                .containsExactlyElementsOf(segmenter.vocabulary().backgroundNames());
        assertClose("fg text", segmenter.classText(), Golden.matrix(expected.get("fg_text_features")), TEXT);
        assertClose("bg text", segmenter.backgroundText(), Golden.matrix(expected.get("bg_text_features")), TEXT);
        assertThat((double) model.logitScale())
                .isCloseTo(expected.get("logit_scale_exp").asDouble(), Offset.offset(1e-4));
    }

    /** The model-side pass: input, encoder stream, logits, attention mean and the transition matrices. */
    @ParameterizedTest
    @MethodSource("runs")
    void shouldMatchTheReferenceEncoderAttentionAndTransition(String run) {
        JsonNode expected = ClsSegGolden.run(run);
        ClsSegmenter segmenter = segmenters.get(expected.get("dataset").asText());
        int[] labels = Golden.ints(expected.get("label_ids"));
        ClipImage input =
                ClipTransform.reference(Golden.inputImage(expected.get("image").asText()), 16);
        assertThat(List.of(input.height(), input.width()))
                .containsExactly(
                        expected.get("input_hw").get(0).asInt(),
                        expected.get("input_hw").get(1).asInt());
        expected.get("input")
                .get("samples_cyx_value")
                .forEach(s -> assertThat((double) input.at(
                                s.get(0).asInt(), s.get(1).asInt(), s.get(2).asInt()))
                        .as(run + " input sample " + s)
                        .isCloseTo(s.get(3).asDouble(), Offset.offset(1e-6)));
        int n = expected.get("grid_hw").get(0).asInt()
                * expected.get("grid_hw").get(1).asInt();
        try (NDManager scope = model.manager().newSubManager()) {
            float[] rows = textRows(segmenter, labels);
            int embed = model.config().embedDim();
            NDArray text = scope.create(rows, new Shape(rows.length / embed, embed));
            try (GradCamPass pass = model.gradCamPass(input.toNDArray(scope).expandDims(0), text, labels.length)) {
                int d = model.config().visionWidth();
                float[] encoded = pass.encoded().toFloatArray();
                expected.get("layer10_output").get("rows").fields().forEachRemaining(e -> {
                    int token = Integer.parseInt(e.getKey());
                    float[] row = new float[d];
                    System.arraycopy(encoded, token * d, row, 0, d);
                    assertClose(run + " encoded token " + token, row, Golden.floats(e.getValue()), ENCODED);
                });
                for (JsonNode label : expected.get("labels")) {
                    assertClose(
                            run + " logits_per_image",
                            pass.probabilities().toFloatArray(),
                            Golden.floats(label.get("logits_per_image")),
                            LOGITS);
                }
                ClsSegParams params = segmenter.vocabulary().params();
                NDArray mean = AffinityRefiner.attentionMean(pass.attentions(), params);
                checkMatrix(run + " attn_weight", mean.toFloatArray(), n, expected.get("attn_weight"), ATTENTION, 0);
                NDArray symmetric = AffinityRefiner.symmetric(mean);
                checkMatrix(
                        run + " trans_mat_sym",
                        symmetric.toFloatArray(),
                        n,
                        expected.get("trans_mat_sym"),
                        TRANSITION_ABS,
                        TRANSITION_REL);
                checkMatrix(
                        run + " trans_mat_squared",
                        AffinityRefiner.transition(mean).toFloatArray(),
                        n,
                        expected.get("trans_mat_squared"),
                        TRANSITION_ABS,
                        TRANSITION_REL);
            }
        }
    }

    /** Per label: Grad-CAM, u8 cut, boxes, mask, refined map, high-resolution maps; then the label map. */
    @ParameterizedTest
    @MethodSource("runs")
    void shouldMatchTheReferenceMapsBoxesAndLabelMap(String run) throws IOException {
        JsonNode expected = ClsSegGolden.run(run);
        ClsSegmenter segmenter = segmenters.get(expected.get("dataset").asText());
        int[] labels = Golden.ints(expected.get("label_ids"));
        ImageSegmentation result =
                segmenter.segment(Golden.inputImage(expected.get("image").asText()), labels);
        int h = expected.get("grid_hw").get(0).asInt();
        int w = expected.get("grid_hw").get(1).asInt();
        int height = expected.get("original_hw").get(0).asInt();
        int width = expected.get("original_hw").get(1).asInt();
        assertThat(List.of(result.gridHeight(), result.gridWidth(), result.height(), result.width()))
                .containsExactly(h, w, height, width);
        JsonNode binary = expected.get("binary_files");
        boolean boxesChanged = false;
        for (int l = 0; l < labels.length; l++) {
            JsonNode label = expected.get("labels").get(l);
            LabelSegmentation actual = result.labels().get(l);
            String what = run + " " + label.get("name").asText();
            assertThat(actual.classIndex()).isEqualTo(label.get("label_id").asInt());
            assertClose(
                    what + " grayscale_cam",
                    actual.grayscaleCam(),
                    Golden.matrix(label.get("grayscale_cam")),
                    GRAYSCALE);
            boolean cutFragile = !label.get("cut_fragile_cells_yx").isEmpty();
            List<List<Integer>> boxes = new ArrayList<>();
            actual.boxes().boxes().forEach(b -> boxes.add(List.of(b.x0(), b.y0(), b.x1(), b.y1())));
            List<List<Integer>> want = new ArrayList<>();
            label.get("boxes_x0y0x1y1")
                    .forEach(b -> want.add(List.of(
                            b.get(0).asInt(),
                            b.get(1).asInt(),
                            b.get(2).asInt(),
                            b.get(3).asInt())));
            if (cutFragile && !boxes.equals(want)) {
                // a cell within 1e-4 of the u8 cut: the fixture compares only up to the boxes for this label
                boxesChanged = true;
                continue;
            }
            assertThat(actual.boxes().cut())
                    .as(what + " cut")
                    .isEqualTo(label.get("cv2_threshold").asInt());
            assertThat(boxes).as(what + " boxes").containsExactlyElementsOf(want);
            assertClose(what + " cam_refined", actual.refined(), Golden.matrix(label.get("cam_refined")), REFINED);
            float[] highresCam = LinearResize.resize(actual.grayscaleCam(), h, w, height, width);
            checkSummary(what + " highres_cam", highresCam, width, label.get("highres_cam"), GRAYSCALE, false);
            checkSummary(
                    what + " attn_highres_f32",
                    actual.attnHighres(),
                    width,
                    label.get("attn_highres_f32"),
                    HIGHRES,
                    false);
            float[] half = new float[actual.attnHighresHalf().length];
            for (int i = 0; i < half.length; i++) {
                half[i] = Fp16.halfToFloat(actual.attnHighresHalf()[i]);
            }
            checkSummary(what + " attn_highres_f16", half, width, label.get("attn_highres_f16"), HIGHRES, true);
            if (binary != null) {
                int plane = height * width;
                float[] all = ClsSegGolden.float32(
                        binary.get("highres_cam").get("file").asText());
                assertClose(what + " highres_cam (all pixels)", highresCam, slice(all, l, plane), GRAYSCALE);
                all = ClsSegGolden.float32(
                        binary.get("attn_highres_f32").get("file").asText());
                assertClose(
                        what + " attn_highres_f32 (all pixels)", actual.attnHighres(), slice(all, l, plane), HIGHRES);
                short[] halves = ClsSegGolden.float16(
                        binary.get("attn_highres_f16").get("file").asText());
                float[] wantHalf = new float[plane];
                for (int i = 0; i < plane; i++) {
                    wantHalf[i] = Fp16.halfToFloat(halves[l * plane + i]);
                }
                assertClose(what + " attn_highres_f16 (all pixels)", half, wantHalf, HIGHRES);
            }
        }
        if (boxesChanged) {
            return; // the label map depends on every label's map
        }
        checkLabelMap(run, result.labelMap(), width, expected.get("label_map"));
    }

    private static void checkLabelMap(String run, byte[] actual, int width, JsonNode expected) throws IOException {
        BufferedImage png = ImageIO.read(
                new ByteArrayInputStream(ClsSegGolden.bytes(expected.get("png").asText())));
        Raster raster = png.getRaster();
        assertThat(raster.getNumBands()).isEqualTo(1);
        assertThat(png.getWidth()).isEqualTo(width);
        Set<Integer> fragile = new HashSet<>();
        int lastListed = -1;
        for (JsonNode p : expected.get("fragile_pixels_yx_label")) {
            int index = p.get(0).asInt() * width + p.get(1).asInt();
            fragile.add(index);
            lastListed = Math.max(lastListed, index);
        }
        int fragileCount = expected.get("fragile_count").asInt();
        boolean truncated = fragileCount > fragile.size(); // the fixture lists the first 300 in raster order
        int differing = 0;
        for (int i = 0; i < actual.length; i++) {
            int want = raster.getSample(i % width, i / width, 0);
            int got = actual[i] & 0xFF;
            if (want == got) {
                continue;
            }
            differing++;
            if (!truncated || i <= lastListed) {
                assertThat(fragile)
                        .as("%s label map pixel [%d,%d]: %d vs %d, not fragile", run, i / width, i % width, got, want)
                        .contains(i);
            }
        }
        assertThat(differing).as(run + " label map pixels differing").isLessThanOrEqualTo(fragileCount);
    }

    private static float[] slice(float[] all, int index, int plane) {
        float[] out = new float[plane];
        System.arraycopy(all, index * plane, out, 0, plane);
        return out;
    }

    /**
     * Sum, max, min and the 9x9 samples of a summarised map. The fixture writes fp16 values as their shortest fp16
     * decimal ({@code half}): those are read back to the fp16 they name before comparing.
     */
    private static void checkSummary(
            String what, float[] actual, int width, JsonNode summary, double tolerance, boolean half) {
        double sum = 0;
        float max = Float.NEGATIVE_INFINITY;
        float min = Float.POSITIVE_INFINITY;
        for (float v : actual) {
            sum += v;
            max = Math.max(max, v);
            min = Math.min(min, v);
        }
        float wantMax = (float) summary.get("max").asDouble();
        float wantMin = (float) summary.get("min").asDouble();
        if (half) {
            wantMax = Fp16.roundToHalf(wantMax);
            wantMin = Fp16.roundToHalf(wantMin);
        }
        assertThat(max).as(what + " max").isCloseTo(wantMax, Offset.offset((float) tolerance));
        assertThat(min).as(what + " min").isCloseTo(wantMin, Offset.offset((float) tolerance));
        assertThat(sum / actual.length)
                .as(what + " mean")
                .isCloseTo(summary.get("sum_f64").asDouble() / actual.length, Offset.offset(tolerance));
        for (JsonNode s : summary.get("samples_yx_value")) {
            int index = s.get(0).asInt() * width + s.get(1).asInt();
            double want = half
                    ? Fp16.roundToHalf((float) s.get(2).asDouble())
                    : s.get(2).asDouble();
            assertThat((double) actual[index]).as(what + " at " + s).isCloseTo(want, Offset.offset(tolerance));
        }
    }

    /** Row and column sums, the listed rows, the diagonal and the full matrix where the fixture has them. */
    private static void checkMatrix(String what, float[] m, int n, JsonNode expected, double abs, double rel) {
        assertThat(m).as(what).hasSize(n * n);
        float[] rowSums = new float[n];
        float[] colSums = new float[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                rowSums[i] += m[i * n + j];
                colSums[j] += m[i * n + j];
            }
        }
        // a sum of n entries each within abs
        assertClose(what + " row sums", rowSums, Golden.floats(expected.get("row_sums")), abs * n + 1e-6, rel);
        assertClose(what + " col sums", colSums, Golden.floats(expected.get("col_sums")), abs * n + 1e-6, rel);
        expected.get("rows").fields().forEachRemaining(e -> {
            int r = Integer.parseInt(e.getKey());
            float[] row = new float[n];
            System.arraycopy(m, r * n, row, 0, n);
            assertClose(what + " row " + r, row, Golden.floats(e.getValue()), abs, rel);
        });
        if (expected.has("diag")) {
            float[] diag = new float[n];
            for (int i = 0; i < n; i++) {
                diag[i] = m[i * n + i];
            }
            assertClose(what + " diag", diag, Golden.floats(expected.get("diag")), abs, rel);
        }
        if (expected.has("full")) {
            assertClose(what + " full", m, Golden.matrix(expected.get("full")), abs, rel);
        }
    }

    private static float[] textRows(ClsSegmenter segmenter, int[] labels) {
        float[] classText = segmenter.classText();
        float[] background = segmenter.backgroundText();
        int e = model.config().embedDim();
        float[] rows = new float[labels.length * e + background.length];
        for (int l = 0; l < labels.length; l++) {
            System.arraycopy(classText, labels[l] * e, rows, l * e, e);
        }
        System.arraycopy(background, 0, rows, labels.length * e, background.length);
        return rows;
    }

    private static List<String> names(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
