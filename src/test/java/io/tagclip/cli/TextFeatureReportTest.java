package io.tagclip.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tagclip.vocab.TextFeatureCache;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TextFeatureReportTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void shouldPrintPromptsDoneRateAndTimeLeftEveryFewSecondsOfAFirstBuild() {
        StringWriter text = new StringWriter();
        long[] now = {0};
        TextFeatureReport report = new TextFeatureReport(new PrintWriter(text), () -> now[0]);
        Path file = Path.of("/cache/model-abc-float32-x-y.tfc");

        report.on(new TextFeatureCache.Event(TextFeatureCache.Outcome.MISS, file, 103, ""));
        now[0] = 10 * SECOND;
        report.encoded(256, 8755); // 25.6 prompts/s, 8499 left
        now[0] = 12 * SECOND;
        report.encoded(512, 8755); // within 5 s of the last line: quiet
        now[0] = 20 * SECOND;
        report.encoded(1024, 8755);
        now[0] = 300 * SECOND;
        report.encoded(8755, 8755);
        report.on(new TextFeatureCache.Event(TextFeatureCache.Outcome.STORED, file, 103, ""));

        assertThat(text.toString().split("\n")).containsExactly(
                "tagclip: computing text features of 103 names (first run with this model and vocabulary; kept in "
                        + "/cache)",
                "tagclip: text features: 256/8755 prompts, 25.6 prompts/s, 5m 32s left",
                "tagclip: text features: 1024/8755 prompts, 51.2 prompts/s, 2m 31s left",
                "tagclip: text features: 8755/8755 prompts, 29.2 prompts/s, done in 5m 00s");
    }

    @Test
    void shouldWarnAboutAnUnusableOrUnwritableCacheFileAndStayQuietOnAHit() {
        StringWriter text = new StringWriter();
        TextFeatureReport report = new TextFeatureReport(new PrintWriter(text), () -> 0L);
        Path file = Path.of("/cache/f.tfc");

        report.on(new TextFeatureCache.Event(TextFeatureCache.Outcome.HIT, file, 45, ""));
        report.on(new TextFeatureCache.Event(TextFeatureCache.Outcome.REJECTED, file, 45, "/cache/f.tfc fails its "
                + "checksum"));
        report.on(new TextFeatureCache.Event(TextFeatureCache.Outcome.STORE_FAILED, file, 45, "read-only"));

        assertThat(text.toString().split("\n")).containsExactly(
                "tagclip: warning: not using cached text features: /cache/f.tfc fails its checksum; computing them "
                        + "again",
                "tagclip: warning: cannot keep text features in /cache/f.tfc: read-only (the next run computes them "
                        + "again)");
    }
}
