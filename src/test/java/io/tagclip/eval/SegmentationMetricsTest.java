package io.tagclip.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.tagclip.golden.ClsSegGolden;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SegmentationMetrics} on folders built from the {@code clsseg-tiny} label maps (the official code's VOC
 * outputs): identical folders score 1, and a known perturbation scores what counting its pixels by hand gives.
 */
class SegmentationMetricsTest {

    /** VOC: background + 20 classes. */
    private static final int VOC_CLASSES = 21;

    /** The VOC images of the fixture. */
    private static final List<String> IDS = ClsSegGolden.RUNS.stream()
            .filter(run -> run.endsWith(".voc"))
            .map(run -> run.substring(0, run.length() - ".voc".length()))
            .toList();

    /** camera's label-map pixel counts per value, as the fixture's JSON states them (not read from the PNG). */
    private static final long CAMERA_BACKGROUND = 178_855;

    private static final long CAMERA_CLASS_5 = 74_427;
    private static final long CAMERA_CLASS_13 = 507;
    private static final long CAMERA_CLASS_16 = 8_355;
    private static final long CAMERA_PIXELS = CAMERA_BACKGROUND + CAMERA_CLASS_5 + CAMERA_CLASS_13 + CAMERA_CLASS_16;

    /** Class-5 pixels the perturbation relabels. */
    private static final int MOVED = 1_000;

    /** Background pixels the perturbation marks void in the ground truth. */
    private static final int VOIDED = 200;

    @TempDir
    Path dir;

    private static LabelMap golden(String id) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(ClsSegGolden.bytes(id + ".voc.labels.png")));
        int w = image.getWidth();
        int h = image.getHeight();
        return new LabelMap(w, h, image.getRaster().getSamples(0, 0, w, h, 0, new int[w * h]));
    }

    /** Writes {@code map} as an 8-bit grey PNG. */
    private static void grey(Path file, LabelMap map) throws IOException {
        BufferedImage image = new BufferedImage(map.width(), map.height(), BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setSamples(0, 0, map.width(), map.height(), 0, map.labels());
        ImageIO.write(image, "png", file.toFile());
    }

    /** Writes {@code map} as a palette PNG with VOC's colour map, so index and colour differ. */
    private static void palette(Path file, LabelMap map) throws IOException {
        byte[] r = new byte[256];
        byte[] g = new byte[256];
        byte[] b = new byte[256];
        for (int i = 0; i < 256; i++) {
            int c = i;
            for (int bit = 7; bit >= 0; bit--, c >>= 3) { // VOC's bit-interleaved colour map
                r[i] |= (byte) ((c & 1) << bit);
                g[i] |= (byte) (((c >> 1) & 1) << bit);
                b[i] |= (byte) (((c >> 2) & 1) << bit);
            }
        }
        BufferedImage image = new BufferedImage(
                map.width(), map.height(), BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(8, 256, r, g, b));
        image.getRaster().setSamples(0, 0, map.width(), map.height(), 0, map.labels());
        ImageIO.write(image, "png", file.toFile());
    }

    private Path folder(String name) throws IOException {
        return Files.createDirectories(dir.resolve(name));
    }

    /** {@code map} with its first {@code count} pixels of value {@code from} set to {@code to}. */
    private static LabelMap relabel(LabelMap map, int from, int to, int count) {
        int[] labels = map.labels().clone();
        for (int i = 0, done = 0; i < labels.length && done < count; i++) {
            if (labels[i] == from) {
                labels[i] = to;
                done++;
            }
        }
        return new LabelMap(map.width(), map.height(), labels);
    }

    @Test
    void shouldScoreOneOnIdenticalMapsReadFromPaletteAndGreyPngs() throws IOException {
        Path truth = folder("truth");
        Path predicted = folder("predicted");
        for (String id : IDS) {
            palette(truth.resolve(id + ".png"), golden(id));
            grey(predicted.resolve(id + ".png"), golden(id));
        }

        SegmentationMetrics.Result result = SegmentationMetrics.compare(truth, predicted, IDS, VOC_CLASSES);

        assertThat(result.meanIou()).isEqualTo(1.0);
        assertThat(result.pixelAccuracy()).isEqualTo(1.0);
        assertThat(result.valid()[0]).as("background is a class").isTrue();
    }

    @Test
    void shouldScoreAKnownPerturbationAsItsPixelCountsSay() throws IOException {
        Path truth = folder("truth");
        Path predicted = folder("predicted");
        LabelMap camera = golden("camera");
        // ground truth: some background is void; prediction: class 16 there (ignored) and some 5 turned into 13
        palette(truth.resolve("camera.png"), relabel(camera, 0, LabelMap.IGNORED, VOIDED));
        grey(predicted.resolve("camera.png"), relabel(relabel(camera, 0, 16, VOIDED), 5, 13, MOVED));

        SegmentationMetrics.Result result =
                SegmentationMetrics.compare(truth, predicted, List.of("camera"), VOC_CLASSES);

        double iou5 = (double) (CAMERA_CLASS_5 - MOVED) / CAMERA_CLASS_5; // FN = MOVED
        double iou13 = (double) CAMERA_CLASS_13 / (CAMERA_CLASS_13 + MOVED); // FP = MOVED
        assertThat(result.iou()[0]).isEqualTo(1.0);
        assertThat(result.iou()[5]).isCloseTo(iou5, within(1e-15));
        assertThat(result.iou()[13]).isCloseTo(iou13, within(1e-15));
        assertThat(result.iou()[16]).isEqualTo(1.0);
        assertThat(result.meanIou()).isCloseTo((2 + iou5 + iou13) / 4, within(1e-15));
        assertThat(result.pixelAccuracy())
                .isCloseTo((double) (CAMERA_PIXELS - VOIDED - MOVED) / (CAMERA_PIXELS - VOIDED), within(1e-15));
        assertThat(result.iou()[1]).as("a class in neither map").isNaN();
    }

    @Test
    void shouldLeaveAClassOnlyPredictedOutOfTheMean() throws IOException {
        Path truth = folder("truth");
        Path predicted = folder("predicted");
        LabelMap camera = golden("camera");
        grey(truth.resolve("camera.png"), camera);
        grey(predicted.resolve("camera.png"), relabel(camera, 5, 7, MOVED));

        SegmentationMetrics.Result result =
                SegmentationMetrics.compare(truth, predicted, List.of("camera"), VOC_CLASSES);

        double iou5 = (double) (CAMERA_CLASS_5 - MOVED) / CAMERA_CLASS_5;
        assertThat(result.iou()[7]).isEqualTo(0.0);
        assertThat(result.valid()[7]).isFalse();
        assertThat(result.meanIou()).isCloseTo((3 + iou5) / 4, within(1e-15));
    }

    @Test
    void shouldNameTheFileAndValueOfAnUnknownGroundTruthClass() throws IOException {
        LabelMap camera = golden("camera");
        assertCompareFails(
                relabel(camera, 16, 30, 1),
                camera,
                dir.resolve("truth/camera.png").toString(),
                "ground truth value 30");
    }

    @Test
    void shouldRefuseAPredictionValueThatIsNotAClass() throws IOException {
        LabelMap camera = golden("camera");
        assertCompareFails(camera, relabel(camera, 0, VOC_CLASSES, 1), "camera.png", "prediction value 21");
    }

    @Test
    void shouldNameTheFileOfMapsOfDifferentSizes() throws IOException {
        assertCompareFails(
                golden("camera"),
                golden("chelsea_small"),
                dir.resolve("truth/camera.png").toString(),
                "but the prediction is");
    }

    @Test
    void shouldNameAMissingFile() throws IOException {
        assertCompareFails(golden("camera"), null, dir.resolve("predicted/camera.png") + " does not exist");
    }

    /**
     * Writes {@code truthMap} and {@code predictedMap} (null: no file) as camera.png under truth/ and predicted/ and
     * expects {@link SegmentationMetrics#compare} to refuse them with a message holding every one of {@code message}.
     */
    private void assertCompareFails(LabelMap truthMap, LabelMap predictedMap, String... message) throws IOException {
        Path truth = folder("truth");
        Path predicted = folder("predicted");
        if (truthMap != null) {
            grey(truth.resolve("camera.png"), truthMap);
        }
        if (predictedMap != null) {
            grey(predicted.resolve("camera.png"), predictedMap);
        }
        assertThatThrownBy(() -> SegmentationMetrics.compare(truth, predicted, List.of("camera"), VOC_CLASSES))
                .isInstanceOf(EvaluationException.class)
                .satisfies(e -> assertThat(e.getMessage()).contains(message));
    }

    @Test
    void shouldRefuseAnRgbImageAsALabelMap() throws IOException {
        Path file = dir.resolve("rgb.png");
        ImageIO.write(new BufferedImage(4, 3, BufferedImage.TYPE_INT_RGB), "png", file.toFile());

        assertThatThrownBy(() -> LabelMap.read(file))
                .isInstanceOf(EvaluationException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("3 bands");
    }
}
