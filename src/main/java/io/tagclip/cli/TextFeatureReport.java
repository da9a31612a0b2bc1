package io.tagclip.cli;

import io.tagclip.clip.TextProgress;
import io.tagclip.vocab.TextFeatureCache;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Prints a first build of text features on stderr: that it starts (and where it will be kept), prompts done of the
 * total with the rate and the time left, and warnings for a cache file that was not usable or could not be written.
 * A cache hit prints nothing.
 */
final class TextFeatureReport implements TextProgress, TextFeatureCache.Listener {

    /** Least time between two progress lines, so a long build prints a line every few seconds, not per chunk. */
    static final long PRINT_EVERY_NANOS = 5_000_000_000L;

    private final PrintWriter err;
    private final LongSupplier clock;
    private long started = -1;
    private long lastPrinted;

    TextFeatureReport(PrintWriter err) {
        this(err, System::nanoTime);
    }

    TextFeatureReport(PrintWriter err, LongSupplier clock) {
        this.err = Objects.requireNonNull(err, "err");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void on(TextFeatureCache.Event event) {
        if (event.outcome() == TextFeatureCache.Outcome.MISS || event.outcome() == TextFeatureCache.Outcome.REJECTED) {
            started = clock.getAsLong();
            lastPrinted = started;
        }
        switch (event.outcome()) {
            case MISS -> println("computing text features of " + event.names() + " names (first run with this model"
                    + " and vocabulary; kept in " + event.file().getParent() + ")");
            case REJECTED -> println("warning: not using cached text features: " + event.detail()
                    + "; computing them again");
            case STORE_FAILED -> println("warning: cannot keep text features in " + event.file() + ": "
                    + event.detail() + " (the next run computes them again)");
            case HIT, STORED -> { }
        }
    }

    @Override
    public void encoded(int done, int total) {
        long now = clock.getAsLong();
        if (started < 0) {
            started = now;
            lastPrinted = now;
        }
        if (done < total && now - lastPrinted < PRINT_EVERY_NANOS) {
            return;
        }
        lastPrinted = now;
        println(line(done, total, (now - started) / 1e9));
        if (done >= total) {
            started = -1;
        }
    }

    /** {@code text features: 1536/8755 prompts, 25.3 prompts/s, 4m 45s left}. */
    static String line(int done, int total, double seconds) {
        double rate = seconds > 0 ? done / seconds : 0;
        String tail = done >= total ? String.format(Locale.ROOT, "done in %s", duration(seconds))
                : rate > 0 ? duration((total - done) / rate) + " left" : "";
        return String.format(Locale.ROOT, "text features: %d/%d prompts, %.1f prompts/s, %s", done, total, rate, tail);
    }

    /** {@code 4m 05s}, or {@code 12.3s} under a minute. */
    static String duration(double seconds) {
        if (seconds < 60) {
            return String.format(Locale.ROOT, "%.1fs", seconds);
        }
        long whole = Math.round(seconds);
        return String.format(Locale.ROOT, "%dm %02ds", whole / 60, whole % 60);
    }

    private void println(String message) {
        err.println("tagclip: " + message);
        err.flush();
    }
}
