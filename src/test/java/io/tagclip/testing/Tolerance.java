package io.tagclip.testing;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The one tolerance check of the tests. A NaN or an infinity in the actual or the expected values fails, naming the
 * index: {@code Math.abs(NaN - x) <= tol} is false, but a running maximum that starts at 0 and takes {@code max}
 * or {@code >} comparisons skips NaN and would let a broken kernel pass.
 */
public final class Tolerance {

    private Tolerance() {}

    /** Every {@code |actual[i] - expected[i]| <= abs}; both arrays finite and of one length. */
    public static void assertClose(String what, float[] actual, float[] expected, double abs) {
        assertClose(what, actual, expected, abs, 0);
    }

    /**
     * Every element within {@code abs}, or (when {@code rel > 0}) within {@code rel·|expected[i]|}; both arrays finite
     * and of one length. The message names the quantity, the worst element and both tolerances.
     */
    public static void assertClose(String what, float[] actual, float[] expected, double abs, double rel) {
        assertThat(actual.length).as("%s: number of values", what).isEqualTo(expected.length);
        double worst = 0;
        int at = -1;
        for (int i = 0; i < actual.length; i++) {
            assertFinite(what, "actual", actual[i], i);
            assertFinite(what, "expected", expected[i], i);
            double diff = Math.abs((double) actual[i] - expected[i]);
            boolean ok = diff <= abs || (rel > 0 && diff <= rel * Math.abs(expected[i]));
            if (!ok && diff > worst) {
                worst = diff;
                at = i;
            }
        }
        if (at >= 0) {
            throw new AssertionError(String.format(
                    "%s: |actual - expected| = %s at index %d (%s vs %s), allowed %s abs%s",
                    what, worst, at, actual[at], expected[at], abs, rel > 0 ? " / " + rel + " rel" : ""));
        }
    }

    /** The largest {@code |actual[i] - expected[i]|}; fails on a NaN or an infinity, or on different lengths. */
    public static double maxAbsDiff(String what, float[] actual, float[] expected) {
        assertThat(actual.length).as("%s: number of values", what).isEqualTo(expected.length);
        double max = 0;
        for (int i = 0; i < actual.length; i++) {
            assertFinite(what, "actual", actual[i], i);
            assertFinite(what, "expected", expected[i], i);
            max = Math.max(max, Math.abs((double) actual[i] - expected[i]));
        }
        return max;
    }

    private static void assertFinite(String what, String side, float value, int index) {
        if (!Float.isFinite(value)) {
            throw new AssertionError(what + ": " + side + "[" + index + "] is " + value);
        }
    }
}
