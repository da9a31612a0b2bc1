package io.tagclip.batch;

import java.util.Locale;

/**
 * An image refused before its forward because the estimated peak memory of the pass ({@link FirstPassMemory}) at the
 * size it would run at exceeds the budget. Nothing of the pass has been allocated; the image's batch-mates are not
 * affected.
 */
public final class FirstPassTooLarge extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long tokens;
    private final long estimate;
    private final long budget;

    /**
     * @param pass     what would have run, e.g. {@code "reference mode's first pass"}
     * @param width    input width the pass would run at (pixels)
     * @param height   input height the pass would run at
     * @param tokens   its sequence length
     * @param estimate estimated peak bytes
     * @param budget   the budget in bytes
     * @param waysOut  what would let the image through, a sentence without its final full stop
     */
    public FirstPassTooLarge(
            String pass, int width, int height, long tokens, long estimate, long budget, String waysOut) {
        super(String.format(
                Locale.ROOT,
                "too large for %s: at %dx%d it has %,d tokens, whose attention needs an estimated %s, over the"
                        + " first-pass budget of %s (tagger.model.max-first-pass-bytes, --max-first-pass-bytes); %s",
                pass,
                width,
                height,
                tokens,
                size(estimate),
                size(budget),
                waysOut));
        this.tokens = tokens;
        this.estimate = estimate;
        this.budget = budget;
    }

    /** The sequence length of the refused pass. */
    public long tokens() {
        return tokens;
    }

    /** The estimated peak bytes. */
    public long estimate() {
        return estimate;
    }

    /** The budget it exceeded, in bytes. */
    public long budget() {
        return budget;
    }

    /** {@code bytes} in the largest binary unit that keeps a leading digit, with the exact count. */
    public static String size(long bytes) {
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit < 0
                ? bytes + " bytes"
                : String.format(Locale.ROOT, "%.1f %s (%d bytes)", value, units[unit], bytes);
    }
}
