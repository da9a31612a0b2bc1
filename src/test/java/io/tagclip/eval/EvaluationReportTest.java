package io.tagclip.eval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class EvaluationReportTest {

    @Test
    void shouldWriteParsableJsonWithNamedClassesAndNullForUndefinedF1() throws IOException {
        MultiLabelMetrics metrics = MultiLabelMetrics.compute(
                new float[][] {{0.3f, 0.3f}, {0.9f, 0.1f}}, new boolean[][] {{false, true}, {false, false}}, 0.5);
        EvaluationResult result = new EvaluationResult("clip-global", "splits/x.txt", 2, metrics, 4.0, 3.0);

        JsonNode json = new ObjectMapper().readTree(EvaluationReport.toJson(result, List.of("cat \"big\"", "dog")));

        assertThat(json.get("method").asText()).isEqualTo("clip-global");
        assertThat(json.get("images").asInt()).isEqualTo(2);
        assertThat(json.get("images_per_second").asDouble()).isEqualTo(0.5);
        assertThat(json.get("cpu_seconds").asDouble()).isEqualTo(3.0);
        assertThat(json.get("mAP").asDouble()).isEqualTo(metrics.map());
        assertThat(json.get("mAP_classes_with_positives").asDouble()).isEqualTo(1.0);
        assertThat(json.get("F1").isNull()).isTrue();
        assertThat(json.get("per_class").get(0).get("name").asText()).isEqualTo("cat \"big\"");
        assertThat(json.get("per_class").get(1).get("positives").asInt()).isEqualTo(1);
        assertThat(json.get("per_class").get(1).get("AP").asDouble())
                .isEqualTo(metrics.perClassAp().get(1));
    }
}
