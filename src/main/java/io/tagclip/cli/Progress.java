package io.tagclip.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import picocli.CommandLine.Option;

/**
 * Progress of a long run on stderr. On a terminal a bar redrawn in place ({@code \r}) with the count, the rate and
 * the time left; elsewhere (CI, log files, pipes) one plain line every {@link #LINE_INTERVAL_NANOS}, and a summary
 * when the run ends if it lasted long enough to print any, so that a log shows the run advancing without filling up
 * with redraws.
 *
 * <p>Anything that advances through a known (or unknown, {@code total <= 0}) amount of work reports to it through
 * {@link ProgressListener#update}: images of {@code tag} and {@code eval} today, bytes of a download just as well.
 */
final class Progress implements ProgressListener, AutoCloseable {

    /** How progress is shown. */
    enum Style {
        /** A bar redrawn in place: for terminals. */
        BAR,
        /** Plain periodic lines: for logs and pipes. */
        LINES,
        /** Nothing. */
        NONE;

        static Style of(String name) {
            for (Style style : values()) {
                if (style.name().equalsIgnoreCase(name)) {
                    return style;
                }
            }
            throw new IllegalArgumentException("progress style must be auto, bar, lines or none, got '" + name + "'");
        }
    }

    /** Environment variable that chooses the style when {@code --progress} is {@code auto}: bar, lines or none. */
    static final String STYLE_VARIABLE = "TAGCLIP_PROGRESS";

    /**
     * Set to {@code true} by {@code bin/tagclip} when its stderr is a terminal: the JVM can only tell whether stdin and
     * stdout are ({@code System.console()}), and {@code tag > out.jsonl} still has a terminal on stderr.
     */
    static final String STDERR_TERMINAL_VARIABLE = "TAGCLIP_STDERR_TTY";

    /** Least time between two redraws of the bar: ten a second look smooth and cost nothing. */
    static final long BAR_INTERVAL_NANOS = 100_000_000L;

    /** Time between two plain lines: a long evaluation logs a few lines a minute, not thousands. */
    static final long LINE_INTERVAL_NANOS = 10_000_000_000L;

    /** Characters of the bar between its brackets. */
    private static final int BAR_WIDTH = 30;

    /** The {@code --progress} option, shared by the commands that show progress. */
    static final class Choice {
        @Option(
                names = "--progress",
                defaultValue = "auto",
                paramLabel = "auto|bar|lines|none",
                description = "Progress on stderr: a bar on a terminal, plain lines every 10 s otherwise (auto, "
                        + "overridden by env " + STYLE_VARIABLE + "), or none (default: ${DEFAULT-VALUE}).")
        String progress;

        /** The style this process uses. */
        Style style() {
            return Progress.choose(progress, System.getenv(), System.console() != null);
        }
    }

    private final String what;
    private final String unit;
    private final PrintWriter err;
    private final Style style;
    private final LongSupplier nanoTime;
    private final long start;
    private long done;
    private long total;
    private long lastShown;
    private int lastWidth;
    private boolean linePrinted;
    private boolean closed;

    /**
     * @param what     names the run at the start of every line, e.g. {@code tag}
     * @param unit     what is counted, plural, e.g. {@code images}
     * @param total    units in all, or 0 when unknown
     * @param nanoTime monotonic clock
     */
    Progress(String what, String unit, long total, PrintWriter err, Style style, LongSupplier nanoTime) {
        this.what = Objects.requireNonNull(what, "what");
        this.unit = Objects.requireNonNull(unit, "unit");
        this.err = Objects.requireNonNull(err, "err");
        this.style = Objects.requireNonNull(style, "style");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.total = total;
        this.start = nanoTime.getAsLong();
        this.lastShown = start;
    }

    /** Progress on the system clock. */
    Progress(String what, String unit, long total, PrintWriter err, Style style) {
        this(what, unit, total, err, style, System::nanoTime);
    }

    /**
     * The style for a {@code --progress} value: {@code auto} takes {@link #STYLE_VARIABLE} when set, else a bar when
     * stderr is a terminal ({@link #STDERR_TERMINAL_VARIABLE}, or a console) and lines when it is not.
     */
    static Style choose(String option, Map<String, String> env, boolean console) {
        String chosen = option == null ? "auto" : option;
        if (chosen.equalsIgnoreCase("auto")) {
            String variable = env.get(STYLE_VARIABLE);
            if (variable != null && !variable.isBlank() && !variable.equalsIgnoreCase("auto")) {
                return Style.of(variable.trim());
            }
            boolean terminal = console || "true".equalsIgnoreCase(env.get(STDERR_TERMINAL_VARIABLE));
            return terminal ? Style.BAR : Style.LINES;
        }
        return Style.of(chosen);
    }

    /** Adds {@code units} to the count. */
    synchronized void advance(long units) {
        update(done + units, total);
    }

    @Override
    public synchronized void update(long done, long total) {
        if (closed) {
            return;
        }
        this.done = done;
        this.total = total;
        long now = nanoTime.getAsLong();
        boolean finished = total > 0 && done >= total;
        if (style == Style.BAR && (finished || now - lastShown >= BAR_INTERVAL_NANOS)) {
            drawBar(now);
        } else if (style == Style.LINES && !finished && now - lastShown >= LINE_INTERVAL_NANOS) {
            printLine(now, false);
        }
    }

    /**
     * Prints one line of its own on the same stream (an error about one image, say) without mixing it into the bar:
     * the bar is cleared first and drawn again below the line.
     */
    synchronized void println(String line) {
        if (style == Style.BAR && lastWidth > 0 && !closed) {
            err.print("\r" + " ".repeat(lastWidth) + "\r");
            err.println(line);
            lastWidth = 0;
            drawBar(nanoTime.getAsLong());
        } else {
            err.println(line);
        }
        err.flush();
    }

    /** Ends the display: the bar's last state and a newline, or (lines) a summary when any line was printed. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        long now = nanoTime.getAsLong();
        if (style == Style.BAR) {
            drawBar(now);
            err.print(System.lineSeparator());
            err.flush();
        } else if (style == Style.LINES && linePrinted) {
            printLine(now, true);
        }
        closed = true;
    }

    private void drawBar(long now) {
        StringBuilder s = new StringBuilder(what).append(' ');
        if (total > 0) {
            int filled = (int) Math.min(BAR_WIDTH, BAR_WIDTH * done / total);
            s.append('[')
                    .append("#".repeat(filled))
                    .append("-".repeat(BAR_WIDTH - filled))
                    .append("] ");
            s.append(done).append('/').append(total);
        } else {
            s.append(done);
        }
        s.append(' ').append(unit);
        double rate = rate(now);
        if (Double.isFinite(rate)) {
            s.append(String.format(Locale.ROOT, "  %.2f %s/s", rate, unit));
        }
        String eta = eta(rate);
        if (eta != null) {
            s.append("  ETA ").append(eta);
        }
        String text = s.toString();
        // Spaces clear what a longer previous line left on the terminal.
        err.print("\r" + text + " ".repeat(Math.max(0, lastWidth - text.length())));
        err.flush();
        lastWidth = text.length();
        lastShown = now;
    }

    private void printLine(long now, boolean last) {
        StringBuilder s = new StringBuilder(what).append(": ").append(done);
        if (total > 0) {
            s.append('/').append(total);
        }
        s.append(' ').append(unit);
        if (total > 0) {
            s.append(String.format(Locale.ROOT, " (%d%%)", 100 * done / total));
        }
        double rate = rate(now);
        if (last) {
            s.append(String.format(Locale.ROOT, " in %s", clock((now - start) / 1e9)));
        }
        if (Double.isFinite(rate)) {
            s.append(String.format(Locale.ROOT, ", %.2f %s/s", rate, unit));
        }
        String eta = last ? null : eta(rate);
        if (eta != null) {
            s.append(", ETA ").append(eta);
        }
        err.println(s);
        err.flush();
        linePrinted = true;
        lastShown = now;
    }

    /** Units per second since the start; NaN before any time has passed or any unit is done. */
    private double rate(long now) {
        double seconds = (now - start) / 1e9;
        return seconds > 0 && done > 0 ? done / seconds : Double.NaN;
    }

    private String eta(double rate) {
        if (total <= 0 || !Double.isFinite(rate) || done >= total) {
            return null;
        }
        return clock((total - done) / rate);
    }

    /** {@code m:ss}, or {@code h:mm:ss} from an hour on. */
    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
