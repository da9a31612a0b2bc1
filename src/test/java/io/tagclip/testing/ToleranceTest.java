package io.tagclip.testing;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ToleranceTest {

    @Test
    void shouldAcceptValuesWithinTheAbsoluteOrRelativeTolerance() {
        assertThatCode(() -> Tolerance.assertClose("x", new float[] {1f, 2f}, new float[] {1.0005f, 2f}, 1e-3))
                .doesNotThrowAnyException();
        assertThatCode(() -> Tolerance.assertClose("x", new float[] {1000f}, new float[] {1001f}, 1e-3, 1e-2))
                .doesNotThrowAnyException();
    }

    @Test
    void shouldNameTheWorstIndexWhenOutsideTheTolerance() {
        assertThatThrownBy(
                        () -> Tolerance.assertClose("x", new float[] {1f, 2f, 3f}, new float[] {1f, 2.5f, 3.1f}, 0.2))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("at index 1");
    }

    @Test
    void shouldRejectNaNInActualEvenAfterALargerDifference() {
        assertThatThrownBy(() ->
                        Tolerance.assertClose("scores", new float[] {0f, Float.NaN, 0f}, new float[] {0.5f, 0f, 0f}, 1))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("scores: actual[1] is NaN");
    }

    @Test
    void shouldRejectNaNOrInfinityInExpectedAndInMaxAbsDiff() {
        assertThatThrownBy(() -> Tolerance.assertClose(
                        "maps", new float[] {0f, 0f}, new float[] {0f, Float.POSITIVE_INFINITY}, 1, 1))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("maps: expected[1] is Infinity");
        assertThatThrownBy(() -> Tolerance.maxAbsDiff("drift", new float[] {Float.NaN}, new float[] {0f}))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("drift: actual[0] is NaN");
    }

    @Test
    void shouldRejectArraysOfDifferentLengths() {
        assertThatThrownBy(() -> Tolerance.assertClose("x", new float[] {0f}, new float[] {0f, 0f}, 1))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("number of values");
    }
}
