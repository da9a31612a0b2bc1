package io.tagclip.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {

    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong clock = new AtomicLong();
    private final StringWriter out = new StringWriter();

    private Progress progress(String what, long total, Progress.Style style) {
        return new Progress(what, "images", total, new PrintWriter(out, true), style, clock::get);
    }

    @Test
    void shouldRedrawABarInPlaceWithCountRateAndEtaOnATerminal() {
        try (Progress bar = progress("tag", 100, Progress.Style.BAR)) {
            clock.set(SECOND);
            bar.advance(10);
            clock.set(SECOND + SECOND / 20);
            bar.advance(1); // within the redraw interval: not drawn
            clock.set(2 * SECOND);
            bar.advance(9);
            assertThat(out.toString())
                    .doesNotContain("\n")
                    .doesNotContain("11/100")
                    .contains("\rtag [###---------------------------] 10/100 images  10.00 images/s  ETA 0:09")
                    .contains("\rtag [######------------------------] 20/100 images  10.00 images/s  ETA 0:08");
            clock.set(10 * SECOND);
            bar.update(100, 100);
        }

        assertThat(out.toString())
                .endsWith("\rtag [##############################] 100/100 images  10.00 images/s"
                        + System.lineSeparator());
    }

    @Test
    void shouldPrintPlainPeriodicLinesAndASummaryWhenNotATerminal() {
        try (Progress lines = progress("eval", 100, Progress.Style.LINES)) {
            clock.set(SECOND);
            lines.advance(5); // before the first interval: nothing
            assertThat(out.toString()).isEmpty();
            clock.set(10 * SECOND);
            lines.advance(45);
            clock.set(15 * SECOND);
            lines.advance(25);
            clock.set(20 * SECOND);
            lines.advance(25);
        }

        assertThat(out.toString())
                .doesNotContain("\r")
                .isEqualTo("eval: 50/100 images (50%), 5.00 images/s, ETA 0:10" + System.lineSeparator()
                        + "eval: 100/100 images (100%) in 0:20, 5.00 images/s" + System.lineSeparator());
    }

    @Test
    void shouldPrintALineOfItsOwnAboveTheBar() {
        try (Progress bar = progress("tag", 4, Progress.Style.BAR)) {
            clock.set(SECOND);
            bar.advance(1);
            bar.println("tagclip: broken.png is not an image");
        }

        String[] lines = out.toString().split(System.lineSeparator());
        assertThat(lines[0])
                .as("bar, cleared by spaces, then the line")
                .matches("\\rtag \\[.*1/4 images[^\\r]*\\r +\\rtagclip: broken\\.png is not an image");
        assertThat(lines[1]).contains("1/4 images");
    }

    @Test
    void shouldStayQuietInALogWhenTheRunEndsBeforeTheFirstLine() {
        try (Progress lines = progress("tag", 3, Progress.Style.LINES)) {
            clock.set(2 * SECOND);
            lines.advance(3);
        }

        assertThat(out.toString()).isEmpty();
    }

    @Test
    void shouldCountWithoutEtaWhenTheTotalIsUnknown() {
        try (Progress bar = progress("download", 0, Progress.Style.BAR)) {
            clock.set(2 * SECOND);
            bar.update(42, 0);
        }

        assertThat(out.toString())
                .contains("\rdownload 42 images  21.00 images/s")
                .doesNotContain("ETA", "[");
    }

    @Test
    void shouldShowNothingWhenAskedForNone() {
        try (Progress none = progress("tag", 10, Progress.Style.NONE)) {
            clock.set(60 * SECOND);
            none.advance(10);
        }

        assertThat(out.toString()).isEmpty();
    }

    @Test
    void shouldChooseABarForATerminalAndLinesOtherwiseUnlessTold() {
        assertThat(Progress.choose("auto", Map.of(), true)).isEqualTo(Progress.Style.BAR);
        assertThat(Progress.choose("auto", Map.of(Progress.STDERR_TERMINAL_VARIABLE, "true"), false))
                .isEqualTo(Progress.Style.BAR);
        assertThat(Progress.choose("auto", Map.of(), false)).isEqualTo(Progress.Style.LINES);
        assertThat(Progress.choose("auto", Map.of(Progress.STYLE_VARIABLE, "lines"), true))
                .isEqualTo(Progress.Style.LINES);
        assertThat(Progress.choose("none", Map.of(Progress.STYLE_VARIABLE, "bar"), true))
                .isEqualTo(Progress.Style.NONE);
        assertThatThrownBy(() -> Progress.choose("fancy", Map.of(), true)).hasMessageContaining("'fancy'");
        assertThat(Progress.clock(3725)).isEqualTo("1:02:05");
        assertThat(Progress.clock(65)).isEqualTo("1:05");
    }
}
