package io.tagclip.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** CDUL's global-local aggregation on hand-built probabilities: one image, two classes, three snippets. */
class CdulAggregationTest {

    private NDManager manager;
    private NDArray global;
    private NDArray snippets;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        global = manager.create(new float[] {0.2f, 0.6f}, new Shape(1, 2));
        // class 0: snippets 0.1, 0.7, 0.3 -> α 0.7, β 0.1; class 1: 0.5, 0.2, 0.3 -> α 0.5, β 0.2
        snippets = manager.create(new float[] {0.1f, 0.5f, 0.7f, 0.2f, 0.3f, 0.3f}, new Shape(1, 3, 2));
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void shouldAverageGlobalWithTheBestSnippetWhenZetaIsZero() {
        float[] init = CdulGlobalLocalScorer.aggregate(global, snippets, 0f, 0f).toFloatArray();

        assertThat(init).containsExactly(new float[] {(0.2f + 0.7f) / 2, (0.6f + 0.5f) / 2}, within(1e-7f));
    }

    @Test
    void shouldFallBackToTheWorstSnippetForClassesWhoseBestStaysBelowZeta() {
        float[] init =
                CdulGlobalLocalScorer.aggregate(global, snippets, 0.6f, 0f).toFloatArray();

        // class 0: α 0.7 ≥ 0.6 -> α; class 1: α 0.5 < 0.6 -> β 0.2
        assertThat(init).containsExactly(new float[] {(0.2f + 0.7f) / 2, (0.6f + 0.2f) / 2}, within(1e-7f));
    }

    @Test
    void shouldTakeAlphaWhenItEqualsZeta() {
        float[] init =
                CdulGlobalLocalScorer.aggregate(global, snippets, 0.5f, 0f).toFloatArray();

        assertThat(init[1]).isCloseTo((0.6f + 0.5f) / 2, within(1e-7f));
    }

    @Test
    void shouldAddHalfTheWeightedDisagreementWithLambda() {
        float[] lambdaOne =
                CdulGlobalLocalScorer.aggregate(global, snippets, 0f, 1f).toFloatArray();
        float[] lambdaHalf =
                CdulGlobalLocalScorer.aggregate(global, snippets, 0f, 0.5f).toFloatArray();

        // λ = 1: ½(g + a + |g − a|) = max(g, a)
        assertThat(lambdaOne).containsExactly(new float[] {0.7f, 0.6f}, within(1e-7f));
        assertThat(lambdaHalf)
                .containsExactly(
                        new float[] {(0.2f + 0.7f + 0.5f * 0.5f) / 2, (0.6f + 0.5f + 0.5f * 0.1f) / 2}, within(1e-7f));
    }

    @Test
    void shouldVersionParametersByContent() {
        assertThat(CdulParams.DEFAULTS.version())
                .hasSize(12)
                .isEqualTo(CdulParams.DEFAULTS.withZeta(0f).version());
        assertThat(CdulParams.DEFAULTS.withZeta(0.2f).version()).isNotEqualTo(CdulParams.DEFAULTS.version());
        assertThatThrownBy(() -> CdulParams.DEFAULTS.withZeta(1.5f)).hasMessageContaining("1.5");
    }

    @Test
    void shouldRejectSnippetsThatDoNotMatchTheGlobalScores() {
        NDArray wrong = manager.zeros(new Shape(1, 3, 5));

        assertThatThrownBy(() -> CdulGlobalLocalScorer.aggregate(global, wrong, 0f, 0f))
                .hasMessageContaining("(1, 3, 5)");
    }
}
