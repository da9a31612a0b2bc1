package io.tagclip.cli;

import io.tagclip.clip.TextProgress;
import io.tagclip.vocab.TextFeatureCache;
import java.io.PrintWriter;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Shows a first build of text features on stderr: that it starts (and where it will be kept), then prompts done of
 * the total with the rate and the time left, as a {@link Progress} bar on a terminal or periodic lines elsewhere,
 * and warnings for a cache file that was not usable or could not be written. A cache hit prints nothing.
 */
final class TextFeatureReport implements TextProgress, TextFeatureCache.Listener {

    private final PrintWriter err;
    private final Progress.Style style;
    private final LongSupplier clock;
    private Progress build;

    TextFeatureReport(PrintWriter err, Progress.Style style) {
        this(err, style, System::nanoTime);
    }

    TextFeatureReport(PrintWriter err, Progress.Style style, LongSupplier clock) {
        this.err = Objects.requireNonNull(err, "err");
        this.style = Objects.requireNonNull(style, "style");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void on(TextFeatureCache.Event event) {
        if (event.outcome() == TextFeatureCache.Outcome.MISS || event.outcome() == TextFeatureCache.Outcome.REJECTED) {
            start(); // the build's clock starts here, its total comes with the first chunk
        }
        switch (event.outcome()) {
            case MISS ->
                println("computing text features of " + event.names() + " names (first run with this model"
                        + " and vocabulary; kept in " + event.file().getParent() + ")");
            case REJECTED ->
                println("warning: not using cached text features: " + event.detail() + "; computing them again");
            case STORE_FAILED ->
                println("warning: cannot keep text features in " + event.file() + ": " + event.detail()
                        + " (the next run computes them again)");
            case HIT, STORED -> {}
        }
    }

    @Override
    public void encoded(int done, int total) {
        if (build == null) {
            start();
        }
        build.update(done, total);
        if (done >= total) {
            build.close();
            build = null;
        }
    }

    private void start() {
        if (build == null) {
            build = new Progress("tagclip: text features", "prompts", 0, err, style, clock);
        }
    }

    private void println(String message) {
        String line = "tagclip: " + message;
        if (build != null) {
            build.println(line);
        } else {
            err.println(line);
            err.flush();
        }
    }
}
