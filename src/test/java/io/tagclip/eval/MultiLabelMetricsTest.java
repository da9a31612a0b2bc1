package io.tagclip.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class MultiLabelMetricsTest {

    private static final double EPS = 1e-12;

    @Test
    void shouldAveragePrecisionAtEachPositiveRank() {
        // class 0 ranked: img1 (pos), img0 (neg), img2 (pos), img3 (neg) -> (1/1 + 2/3) / 2
        float[][] scores = {{0.8f}, {0.9f}, {0.5f}, {0.1f}};
        boolean[][] labels = {{false}, {true}, {true}, {false}};

        MultiLabelMetrics metrics = MultiLabelMetrics.compute(scores, labels, 0.5);

        assertThat(metrics.perClassAp().get(0)).isCloseTo((1.0 + 2.0 / 3.0) / 2, within(EPS));
    }

    @Test
    void shouldCountClassesWithoutPositivesAsZeroInMapButNotInTheMeanOverPositives() {
        float[][] scores = {{0.9f, 0.1f, 0.5f}, {0.2f, 0.8f, 0.4f}};
        boolean[][] labels = {{true, false, false}, {false, false, false}};

        MultiLabelMetrics metrics = MultiLabelMetrics.compute(scores, labels, 0.5);

        assertThat(metrics.perClassAp()).containsExactly(1.0, 0.0, 0.0);
        assertThat(metrics.classesWithPositives()).containsExactly(0);
        assertThat(metrics.positivesPerClass()).containsExactly(1, 0, 0);
        assertThat(metrics.map()).isCloseTo(1.0 / 3, within(EPS));
        assertThat(metrics.mapOverClassesWithPositives()).isCloseTo(1.0, within(EPS));
    }

    @Test
    void shouldKeepImageOrderForTiedScores() {
        float[][] scores = {{0.5f}, {0.5f}};

        assertThat(MultiLabelMetrics.compute(scores, new boolean[][] {{true}, {false}}, 0.5)
                        .perClassAp()
                        .get(0))
                .isEqualTo(1.0);
        assertThat(MultiLabelMetrics.compute(scores, new boolean[][] {{false}, {true}}, 0.5)
                        .perClassAp()
                        .get(0))
                .isEqualTo(0.5);
    }

    @Test
    void shouldPredictOnlyScoresStrictlyAboveTheRelativeThreshold() {
        // image 0: min 0, max 1, threshold 0.5 -> only class 2 (0.5 is not above it); image 1: threshold 0.3
        float[][] scores = {{0.0f, 0.5f, 1.0f}, {0.2f, 0.4f, 0.3f}};
        boolean[][] labels = {{false, true, true}, {true, false, false}};

        MultiLabelMetrics metrics = MultiLabelMetrics.compute(scores, labels, 0.5);

        // predicted: (0,2) TP, (1,1) FP; missed: (0,1), (1,0)
        assertThat(metrics.truePositives()).isEqualTo(1);
        assertThat(metrics.falsePositives()).isEqualTo(1);
        assertThat(metrics.falseNegatives()).isEqualTo(2);
        assertThat(metrics.precision()).isCloseTo(0.5, within(EPS));
        assertThat(metrics.recall()).isCloseTo(1.0 / 3, within(EPS));
        assertThat(metrics.f1()).isCloseTo(2 * 0.5 * (1.0 / 3) / (0.5 + 1.0 / 3), within(EPS));
    }

    @Test
    void shouldMoveTheThresholdWithTheta() {
        float[][] scores = {{0.0f, 0.5f, 1.0f}};
        boolean[][] labels = {{false, true, true}};

        assertThat(MultiLabelMetrics.compute(scores, labels, 0.1).truePositives())
                .isEqualTo(2);
        assertThat(MultiLabelMetrics.compute(scores, labels, 0.9).truePositives())
                .isEqualTo(1);
    }

    @Test
    void shouldPredictNothingForAnImageWithConstantScores() {
        MultiLabelMetrics metrics =
                MultiLabelMetrics.compute(new float[][] {{0.3f, 0.3f}}, new boolean[][] {{true, false}}, 0.5);

        assertThat(metrics.truePositives() + metrics.falsePositives()).isZero();
        assertThat(metrics.precision()).isZero();
        assertThat(metrics.recall()).isZero();
        assertThat(metrics.f1()).isNaN();
    }

    @Test
    void shouldRejectNonFiniteScoresAndMismatchedShapes() {
        assertThatThrownBy(() -> MultiLabelMetrics.compute(new float[][] {{Float.NaN}}, new boolean[][] {{true}}, 0.5))
                .hasMessageContaining("image 0, class 0 is NaN");
        assertThatThrownBy(() -> MultiLabelMetrics.compute(new float[][] {{1f, 2f}}, new boolean[][] {{true}}, 0.5))
                .hasMessageContaining("image 0 has 2 scores and 1 labels");
        assertThatThrownBy(() -> MultiLabelMetrics.compute(new float[][] {{1f}}, new boolean[][] {{true}, {true}}, 0.5))
                .hasMessageContaining("1 images but labels have 2");
        assertThatThrownBy(() -> MultiLabelMetrics.compute(new float[][] {{1f}}, new boolean[][] {{true}}, 1.5))
                .hasMessageContaining("1.5");
    }
}
