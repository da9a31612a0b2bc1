package io.tagclip.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tagclip.vocab.TextFeatureCache;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TextFeatureReportTest {

    private static final long SECOND = 1_000_000_000L;

    private static final Path FILE = Path.of("/cache/model-abc-float32-x-y.tfc");

    @Test
    void shouldPrintPromptsDoneRateAndTimeLeftAsPeriodicLinesOutsideATerminal() {
        StringWriter text = new StringWriter();
        long[] now = {0};
        TextFeatureReport report = new TextFeatureReport(new PrintWriter(text), Progress.Style.LINES, () -> now[0]);

        report.on(new TextFeatureCache.Event(TextFeatureCache.Outcome.MISS, FILE, 103, ""));
        now[0] = 10 * SECOND;
        report.encoded(256, 8755); // 25.6 prompts/s
        now[0] = 12 * SECOND;
        report.encoded(512, 8755); // within 10 s of the last line: quiet
        now[0] = 20 * SECOND;
        report.encoded(1024, 8755);
        now[0] = 300 * SECOND;
        report.encoded(8755, 8755);
        report.on(new TextFeatureCache.Event(TextFeatureCache.Outcome.STORED, FILE, 103, ""));

        String[] lines = text.toString().split("\n");
        assertThat(lines).hasSize(4);
        assertThat(lines[0])
                .isEqualTo("tagclip: computing text features of 103 names (first run with this model and "
                        + "vocabulary; kept in /cache)");
        assertThat(lines[1])
                .startsWith("tagclip: text features: 256/8755 prompts (2%)")
                .contains("25.60 prompts/s", "ETA");
        assertThat(lines[2])
                .startsWith("tagclip: text features: 1024/8755 prompts (11%)")
                .contains("51.20 prompts/s");
        assertThat(lines[3])
                .startsWith("tagclip: text features: 8755/8755 prompts (100%) in")
                .doesNotContain("ETA");
    }

    @Test
    void shouldDrawABarOnATerminal() {
        StringWriter text = new StringWriter();
        long[] now = {0};
        TextFeatureReport report = new TextFeatureReport(new PrintWriter(text), Progress.Style.BAR, () -> now[0]);

        report.on(new TextFeatureCache.Event(TextFeatureCache.Outcome.MISS, FILE, 103, ""));
        now[0] = SECOND;
        report.encoded(256, 512);
        now[0] = 2 * SECOND;
        report.encoded(512, 512);

        assertThat(text.toString())
                .contains(
                        "\rtagclip: text features [###############---------------] 256/512",
                        "\rtagclip: text features [##############################] 512/512")
                .endsWith(System.lineSeparator());
    }

    @Test
    void shouldWarnAboutAnUnusableOrUnwritableCacheFileAndStayQuietOnAHit() {
        StringWriter text = new StringWriter();
        TextFeatureReport report = new TextFeatureReport(new PrintWriter(text), Progress.Style.LINES, () -> 0L);
        Path file = Path.of("/cache/f.tfc");

        report.on(new TextFeatureCache.Event(TextFeatureCache.Outcome.HIT, file, 45, ""));
        report.on(new TextFeatureCache.Event(
                TextFeatureCache.Outcome.REJECTED, file, 45, "/cache/f.tfc fails its " + "checksum"));
        report.on(new TextFeatureCache.Event(TextFeatureCache.Outcome.STORE_FAILED, file, 45, "read-only"));

        assertThat(text.toString().split("\n"))
                .containsExactly(
                        "tagclip: warning: not using cached text features: /cache/f.tfc fails its checksum; computing them "
                                + "again",
                        "tagclip: warning: cannot keep text features in /cache/f.tfc: read-only (the next run computes them "
                                + "again)");
    }
}
