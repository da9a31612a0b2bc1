package io.tagclip.clip;

import static io.tagclip.golden.GoldenTensors.floats;
import static io.tagclip.testing.Tolerance.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.util.NDImageUtils;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
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
 * The CWR forward (class-row mask in every block) against the reference's crops of {@code astronaut_224}, all
 * candidates of the image in one batch, and the batch independence of every forward.
 */
class ClassMaskedParityTest {

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
    void shouldMatchReferenceCropFeaturesWithAllCandidatesInOneBatch() {
        JsonNode golden = GoldenTensors.expected("astronaut_224.voc2007.json");
        JsonNode steps = golden.get("step3_cwr").get("steps");
        assertThat(steps.size()).isGreaterThan(1);
        try (NDManager scope = manager.newSubManager()) {
            NDArray image =
                    GoldenTensors.image(scope, "images/astronaut_224.png").get(0); // [3,224,224]
            NDList crops = new NDList();
            float[] masks = new float[steps.size() * 197];
            for (int s = 0; s < steps.size(); s++) {
                JsonNode step = steps.get(s);
                int[] px = GoldenTensors.ints(step.get("crop_pixels_y0y1x0x1"));
                NDArray crop = resizeBilinear(image.get(":, " + px[0] + ":" + px[1] + ", " + px[2] + ":" + px[3]));
                assertThat((double) crop.sum().getFloat())
                        .as("crop input sum")
                        .isCloseTo(step.get("crop_input_sum").asDouble(), Offset.offset(0.05));
                crops.add(crop);
                String mask14 = step.get("mask14").asText();
                for (int j = 0; j < 196; j++) {
                    masks[s * 197 + 1 + j] = mask14.charAt(j) == '1' ? 0f : -1000f;
                }
            }
            NDArray batch = NDArrays.stack(crops); // [S,3,224,224]
            NDArray mask = scope.create(masks, new Shape(steps.size(), 197));
            NDArray features = model.encodeImageClassMasked(batch, mask);
            assertThat(features.getShape()).isEqualTo(new Shape(steps.size(), 64));
            assertThat(features.getManager()).isSameAs(scope);
            NDArray normalized = PromptEnsemble.normalize(features);
            for (int s = 0; s < steps.size(); s++) {
                assertClose(
                        "crop " + s + " class-token feature",
                        normalized.get(s).toFloatArray(),
                        floats(steps.get(s).get("crop_cls_feature")),
                        1e-5);
            }
            NDArray single = model.encodeImageClassMasked(batch.get("1:2"), mask.get("1:2"));
            assertClose(
                    "candidate 1 alone vs in batch",
                    single.toFloatArray(),
                    features.get(1).toFloatArray(),
                    1e-5);
        }
    }

    @Test
    void shouldGiveEachImageTheSameResultWhateverItsBatch() {
        try (NDManager scope = manager.newSubManager()) {
            NDArray a = GoldenTensors.image(scope, "expected/chelsea_small.resized.png");
            NDArray b = a.flip(3).mul(0.5f); // a second, different image of the same size
            VisionOutput alone = model.encodeImageTagClip(a, GoldenTensors.SELF_MASK);
            VisionOutput both = model.encodeImageTagClip(b.concat(a, 0), GoldenTensors.SELF_MASK);
            assertClose(
                    "tokens",
                    both.tokens().get(1).toFloatArray(),
                    alone.tokens().get(0).toFloatArray(),
                    1e-5);
            assertClose(
                    "attentions",
                    both.attentions().get(":, 1").toFloatArray(),
                    alone.attentions().get(":, 0").toFloatArray(),
                    1e-6);
            NDArray plain = model.encodeImage(b.concat(a, 0));
            assertClose(
                    "plain",
                    plain.get(1).toFloatArray(),
                    model.encodeImage(a).get(0).toFloatArray(),
                    1e-5);
        }
    }

    @Test
    void shouldLeaveNoIntermediatesInAnyManager() {
        try (NDManager scope = manager.newSubManager()) {
            NDArray image = GoldenTensors.image(scope, "images/astronaut_224.png");
            int modelArrays = model.manager().getManagedArrays().size();
            List<Integer> callerArrays = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                model.encodeImageTagClip(image, GoldenTensors.SELF_MASK);
                model.encodeImage(image);
                model.encodeImageClassMasked(image, scope.zeros(new Shape(1, 197)));
                callerArrays.add(scope.getManagedArrays().size());
            }
            assertThat(model.manager().getManagedArrays()).hasSize(modelArrays);
            // per round: VisionOutput (2) + plain (1) + the zero mask (1) + class-masked (1)
            assertThat(callerArrays.get(1) - callerArrays.get(0)).isEqualTo(5);
        }
    }

    @Test
    void shouldRejectBadShapesNamingThem() {
        try (NDManager scope = manager.newSubManager()) {
            assertThatThrownBy(() ->
                            model.encodeImageTagClip(scope.zeros(new Shape(1, 3, 100, 224)), GoldenTensors.SELF_MASK))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("(1, 3, 100, 224)");
            assertThatThrownBy(() -> model.encodeImageClassMasked(
                            scope.zeros(new Shape(1, 3, 224, 224)), scope.zeros(new Shape(2, 197))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("classRowMask");
            assertThatThrownBy(() -> model.encodeImageClassMasked(
                            scope.zeros(new Shape(1, 3, 448, 448)), scope.zeros(new Shape(1, 197))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("224");
        }
    }

    /** [3,h,w] -> [3,224,224] with libtorch's bilinear (align_corners=false, no antialias), as the reference. */
    private static NDArray resizeBilinear(NDArray chw) {
        NDArray hwc = chw.transpose(1, 2, 0);
        return NDImageUtils.resize(hwc, 224, 224, Image.Interpolation.BILINEAR).transpose(2, 0, 1);
    }
}
