package io.tagclip.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Parity with the reference's {@code compute_AP} / {@code compute_F1} on the golden fixture: the reference's final
 * scores of each image ({@code expected/<image>.<dataset>.json}) and the fixture split give the recorded
 * {@code eval_<dataset>.json}.
 */
class MultiLabelMetricsGoldenTest {

    private static final double TOLERANCE = 1e-6;
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"voc2007", "coco2014"})
    void shouldReproduceReferenceMetricsFromRecordedScores(String dataset) throws IOException, URISyntaxException {
        Path root = fixture();
        JsonNode expected =
                JSON.readTree(root.resolve("expected/eval_" + dataset + ".json").toFile());
        int numClasses = expected.get("per_class_AP").size();
        SplitFile split = SplitFile.read(root.resolve("splits/" + dataset + ".txt"), numClasses);
        float[][] scores = new float[split.size()][];
        for (int i = 0; i < split.size(); i++) {
            String image = split.entries().get(i).imageId();
            JsonNode finalScores = JSON.readTree(root.resolve("expected/" + image + "." + dataset + ".json")
                            .toFile())
                    .get("final_scores");
            scores[i] = new float[finalScores.size()];
            for (int k = 0; k < scores[i].length; k++) {
                scores[i][k] = (float) finalScores.get(k).asDouble();
            }
        }

        MultiLabelMetrics metrics = MultiLabelMetrics.compute(scores, split.labelMatrix(), 0.5);

        assertThat(metrics.perClassAp()).hasSize(numClasses);
        for (int k = 0; k < numClasses; k++) {
            assertThat(metrics.perClassAp().get(k))
                    .as("AP of class %d", k)
                    .isCloseTo(expected.get("per_class_AP").get(k).asDouble(), within(TOLERANCE));
        }
        assertThat(metrics.map()).isCloseTo(expected.get("mAP").asDouble(), within(TOLERANCE));
        assertThat(metrics.classesWithPositives())
                .isEqualTo(JSON.convertValue(expected.get("classes_with_positives"), List.class));
        assertThat(metrics.precision()).isCloseTo(expected.get("P").asDouble(), within(TOLERANCE));
        assertThat(metrics.recall()).isCloseTo(expected.get("R").asDouble(), within(TOLERANCE));
        if (expected.get("F1").isNull()) {
            assertThat(metrics.f1()).isNaN();
        } else {
            assertThat(metrics.f1()).isCloseTo(expected.get("F1").asDouble(), within(TOLERANCE));
        }
        double meanWithPositives = metrics.classesWithPositives().stream()
                .mapToDouble(k -> expected.get("per_class_AP").get(k).asDouble())
                .average()
                .orElseThrow();
        assertThat(metrics.mapOverClassesWithPositives()).isCloseTo(meanWithPositives, within(TOLERANCE));
    }

    static Path fixture() throws URISyntaxException {
        return Path.of(MultiLabelMetricsGoldenTest.class
                        .getResource("/tagclip-tiny/README.md")
                        .toURI())
                .getParent();
    }
}
