package io.tagclip.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PrecisionRecallCurveTest {

    @Test
    void shouldGivePrecisionAndRecallAtEveryCutOffOfTheRanking() {
        float[][] scores = {{0.6f}, {0.9f}, {0.7f}, {0.8f}};
        boolean[][] labels = {{false}, {true}, {true}, {false}};

        PrecisionRecallCurve curve = PrecisionRecallCurve.of(scores, labels, 0);

        // Ranking: 0.9 (pos), 0.8 (neg), 0.7 (pos), 0.6 (neg).
        assertThat(curve.positive()).containsExactly(true, false, true, false);
        assertThat(curve.precision()).containsExactly(new double[] {1, 0.5, 2.0 / 3, 0.5}, within(1e-15));
        assertThat(curve.recall()).containsExactly(0.5, 0.5, 1, 1);
        assertThat(curve.averagePrecision()).isCloseTo((1 + 2.0 / 3) / 2, within(1e-15));
    }

    @Test
    void shouldAverageToExactlyTheApOfTheMetricsTiesIncluded() {
        Random random = new Random(16);
        int images = 40;
        int classes = 5;
        float[][] scores = new float[images][classes];
        boolean[][] labels = new boolean[images][classes];
        for (int i = 0; i < images; i++) {
            for (int k = 0; k < classes; k++) {
                scores[i][k] = random.nextInt(8) / 8f; // many ties
                labels[i][k] = random.nextInt(3) == 0;
            }
        }

        MultiLabelMetrics metrics = MultiLabelMetrics.compute(scores, labels, 0.5);

        for (int k = 0; k < classes; k++) {
            assertThat(PrecisionRecallCurve.of(scores, labels, k).averagePrecision())
                    .as("class %d", k)
                    .isEqualTo(metrics.perClassAp().get(k));
        }
    }

    @Test
    void shouldNameAClassOutOfRange() {
        assertThatThrownBy(() -> PrecisionRecallCurve.of(new float[][] {{1f}}, new boolean[][] {{true}}, 3))
                .hasMessageContaining("class 3");
    }
}
