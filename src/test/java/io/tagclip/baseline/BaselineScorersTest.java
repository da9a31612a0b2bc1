package io.tagclip.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tagclip.golden.Golden;
import io.tagclip.image.RgbImage;
import io.tagclip.preprocess.ClipTransform;
import io.tagclip.preprocess.ZeroShotTransform;
import io.tagclip.vocab.TextTable;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Both baselines around a stand-in image encoder (mean colour of the view through a fixed projection), so that the
 * batching, view order and aggregation are checked without a CLIP model.
 */
class BaselineScorersTest {

    private static final int CLASSES = 4;
    private static final float MULTIPLIER = 100f;

    private NDManager manager;
    private NDArray projection;
    private NDArray text;
    private List<Integer> encodedBatchSizes;
    private ImageEncoder encoder;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        projection = manager.create(new float[] {1, -2, 0.5f, 3, 0, 1, -1, 2, 2, 1, 1, -3}, new Shape(3, 4));
        text = ZeroShot.normaliseRows(
                manager.create(new float[] {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, -1, 0, 1}, new Shape(CLASSES, 4)));
        encodedBatchSizes = new ArrayList<>();
        encoder = images -> {
            encodedBatchSizes.add(Math.toIntExact(images.getShape().get(0)));
            return images.mean(new int[] {3}).mean(new int[] {2}).matMul(projection); // [B,3,H,W] -> [B,3] -> [B,4]
        };
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void clipGlobalShouldGiveADistributionOverTheDatasetClassesPerImage() {
        ClipGlobalScorer scorer = new ClipGlobalScorer(encoder, text, MULTIPLIER);

        float[] scores = scorer.score(List.of(Golden.inputImage("chelsea"), Golden.inputImage("coffee")), manager)
                .toFloatArray();

        assertThat(scores).hasSize(2 * CLASSES);
        for (int i = 0; i < 2; i++) {
            double sum = 0;
            for (int k = 0; k < CLASSES; k++) {
                assertThat(scores[i * CLASSES + k]).isBetween(0f, 1f);
                sum += scores[i * CLASSES + k];
            }
            assertThat(sum).isCloseTo(1.0, within(1e-6));
        }
        assertThat(encodedBatchSizes).containsExactly(2);
    }

    @Test
    void clipGlobalShouldScoreAnImageTheSameAloneAndInABatch() {
        ClipGlobalScorer scorer = new ClipGlobalScorer(encoder, text, MULTIPLIER);
        RgbImage chelsea = Golden.inputImage("chelsea");
        RgbImage camera = Golden.inputImage("camera");

        float[] pair = scorer.score(List.of(chelsea, camera), manager).toFloatArray();
        float[] alone = scorer.score(List.of(camera), manager).toFloatArray();

        for (int k = 0; k < CLASSES; k++) {
            assertThat(pair[CLASSES + k]).isCloseTo(alone[k], within(1e-6f));
        }
    }

    @Test
    void cdulShouldEncodeAllViewsOfAllImagesInOneForward() {
        CdulGlobalLocalScorer scorer = new CdulGlobalLocalScorer(encoder, text, MULTIPLIER, CdulParams.DEFAULTS);

        scorer.score(List.of(Golden.inputImage("chelsea"), Golden.inputImage("coffee")), manager);

        assertThat(encodedBatchSizes).containsExactly(2 * 10);
    }

    @Test
    void cdulShouldEqualHalfOfGlobalPlusBestSnippetComputedViewByView() {
        CdulGlobalLocalScorer scorer = new CdulGlobalLocalScorer(encoder, text, MULTIPLIER, CdulParams.DEFAULTS);
        RgbImage coffee = Golden.inputImage("coffee");

        float[] batched = scorer.score(List.of(coffee), manager).toFloatArray();

        float[] expected = halfGlobalPlusBestSnippet(coffee, CdulParams.DEFAULTS);
        assertThat(batched).containsExactly(expected, within(1e-6f));
        for (float score : batched) {
            assertThat(score).isBetween(0f, 1f);
        }
    }

    @Test
    void cdulShouldScoreAnImageTheSameAloneAndInABatch() {
        CdulGlobalLocalScorer scorer = new CdulGlobalLocalScorer(encoder, text, MULTIPLIER, CdulParams.DEFAULTS);
        RgbImage chelsea = Golden.inputImage("chelsea");
        RgbImage small = Golden.inputImage("chelsea_small");

        float[] pair = scorer.score(List.of(small, chelsea), manager).toFloatArray();
        float[] alone = scorer.score(List.of(chelsea), manager).toFloatArray();

        for (int k = 0; k < CLASSES; k++) {
            assertThat(pair[CLASSES + k]).isCloseTo(alone[k], within(1e-6f));
        }
    }

    @Test
    void cdulSnippetsShouldTileTheOriginalImageAndDropTheRemainder() {
        CdulParams params = new CdulParams(4, 3, 3, 0f, 0f, CdulParams.PromptMode.SINGLE_TEMPLATE, "a {}");
        RgbImage image = noise(11, 8, 1); // tiles 3x2 (11 // 3, 8 // 3); column 9-10 and rows 6-7 are remainder
        RgbImage changedRemainder = withRemainderChanged(image, 9, 6);

        List<RgbImage> views = CdulGlobalLocalScorer.views(image, params);
        List<RgbImage> changed = CdulGlobalLocalScorer.views(changedRemainder, params);

        assertThat(views).hasSize(10);
        for (int j = 1; j < views.size(); j++) {
            assertThat(views.get(j).width()).isEqualTo(4);
            assertThat(views.get(j).height()).isEqualTo(4);
            assertThat(changed.get(j).pixels())
                    .as("snippet %d", j)
                    .isEqualTo(views.get(j).pixels());
        }
        assertThat(changed.get(0).pixels()).isNotEqualTo(views.get(0).pixels());
        // snippet (row 1, col 2) starts at pixel (6, 2): a 3x2 tile scaled by 2 to 6x4, centre-cropped to 4x4
        RgbImage tile = ZeroShotTransform.crop(image, 6, 2, 3, 2);
        assertThat(views.get(1 + 3 + 2).pixels())
                .isEqualTo(ZeroShotTransform.shortSideThenCenterCrop(tile, 4).pixels());
    }

    @Test
    void shouldBuildTextFeaturesForTheDatasetClassesOnlyWithTheChosenPrompts() {
        Vocabulary voc = Vocabularies.builtIn().get(Vocabularies.VOC2007);
        List<String> encoded = new ArrayList<>();
        TextEncoder textEncoder = (prompts, m) -> {
            encoded.addAll(prompts);
            return m.ones(new Shape(prompts.size(), 4));
        };
        List<String> ensembled = new ArrayList<>();
        TextTable.NameEmbedder ensemble = (names, m) -> {
            ensembled.addAll(names);
            return ZeroShot.normaliseRows(m.ones(new Shape(names.size(), 4)));
        };

        CdulGlobalLocalScorer single = CdulGlobalLocalScorer.forVocabulary(
                voc, encoder, textEncoder, ensemble, MULTIPLIER, CdulParams.DEFAULTS, manager);
        ClipGlobalScorer global = ClipGlobalScorer.forVocabulary(voc, encoder, ensemble, MULTIPLIER, manager);

        assertThat(single.numClasses()).isEqualTo(20);
        assertThat(encoded).hasSize(20).startsWith("a photo of a aeroplane").endsWith("a photo of a tvmonitor");
        assertThat(global.numClasses()).isEqualTo(20);
        assertThat(ensembled).hasSize(20).startsWith("aeroplane").endsWith("tvmonitor");
    }

    private float[] halfGlobalPlusBestSnippet(RgbImage image, CdulParams params) {
        List<RgbImage> views = CdulGlobalLocalScorer.views(image, params);
        float[][] probs = new float[views.size()][];
        for (int v = 0; v < views.size(); v++) {
            NDArray input = manager.create(
                    ClipTransform.normalize(views.get(v)), new Shape(1, 3, params.inputSize(), params.inputSize()));
            probs[v] = ZeroShot.probabilities(encoder.encode(input), text, MULTIPLIER)
                    .toFloatArray();
        }
        float[] expected = new float[CLASSES];
        for (int k = 0; k < CLASSES; k++) {
            float best = 0;
            for (int v = 1; v < views.size(); v++) {
                best = Math.max(best, probs[v][k]);
            }
            expected[k] = (probs[0][k] + best) / 2;
        }
        return expected;
    }

    private static RgbImage noise(int width, int height, long seed) {
        byte[] px = new byte[width * height * 3];
        new Random(seed).nextBytes(px);
        return new RgbImage(width, height, px);
    }

    private static RgbImage withRemainderChanged(RgbImage image, int fromX, int fromY) {
        byte[] px = image.pixels().clone();
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                if (x >= fromX || y >= fromY) {
                    for (int c = 0; c < 3; c++) {
                        px[(y * image.width() + x) * 3 + c] =
                                (byte) (255 - (px[(y * image.width() + x) * 3 + c] & 0xFF));
                    }
                }
            }
        }
        return new RgbImage(image.width(), image.height(), px);
    }
}
