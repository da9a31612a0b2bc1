package io.tagclip.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluatorTest {

    private static final Map<String, float[]> SCORES = Map.of(
            "a", new float[] {0.9f, 0.1f, 0.3f},
            "b", new float[] {0.2f, 0.7f, 0.1f},
            "c", new float[] {0.6f, 0.5f, 0.4f});

    @Test
    void shouldScoreEveryImageInBatchesAndMatchTheMetricsOfTheSameScores(@TempDir Path dir) throws IOException {
        Files.createFile(dir.resolve("a.jpg"));
        Files.createFile(dir.resolve("b.png"));
        Files.createFile(dir.resolve("c.webp"));
        SplitFile split = SplitFile.parse("s.txt", "a 0\nb 1\nc 0 2\n", 3);
        List<Integer> batchSizes = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        ImageScorer scorer = files -> {
            batchSizes.add(files.size());
            List<float[]> out = new ArrayList<>();
            for (Path file : files) {
                seen.add(file.getFileName().toString());
                out.add(SCORES.get(file.getFileName().toString().replaceAll("\\..*", "")));
            }
            return out;
        };
        AtomicLong clock = new AtomicLong();

        EvaluationResult result =
                new Evaluator("fake", scorer, 2, 0.5, () -> clock.getAndAdd(1_500_000_000L)).evaluate(split, dir);

        assertThat(batchSizes).containsExactly(2, 1);
        assertThat(seen).containsExactly("a.jpg", "b.png", "c.webp");
        MultiLabelMetrics direct = MultiLabelMetrics.compute(
                new float[][] {SCORES.get("a"), SCORES.get("b"), SCORES.get("c")}, split.labelMatrix(), 0.5);
        assertThat(result.metrics()).isEqualTo(direct);
        assertThat(result.images()).isEqualTo(3);
        assertThat(result.method()).isEqualTo("fake");
        assertThat(result.seconds()).isEqualTo(1.5);
        assertThat(result.imagesPerSecond()).isEqualTo(2.0);
        assertThat(result.cpuSeconds()).isFinite().isNotNegative(); // this process's own CPU time, on HotSpot
    }

    @Test
    void shouldPreferJpgOverOtherExtensions(@TempDir Path dir) throws IOException {
        Files.createFile(dir.resolve("a.png"));
        Files.createFile(dir.resolve("a.jpg"));
        Files.createFile(dir.resolve("a.bmp"));

        assertThat(new ImageFolder(dir).resolve("a").getFileName().toString()).isEqualTo("a.jpg");
    }

    @Test
    void shouldNameTheMissingImage(@TempDir Path dir) {
        SplitFile split = SplitFile.parse("s.txt", "ghost 0\n", 3);

        assertThatThrownBy(() -> new Evaluator("fake", files -> List.of(), 4).evaluate(split, dir))
                .isInstanceOf(EvaluationException.class)
                .hasMessageContaining("'ghost'");
    }

    @Test
    void shouldRejectAScoreVectorOfTheWrongLength(@TempDir Path dir) throws IOException {
        Files.createFile(dir.resolve("a.jpg"));
        SplitFile split = SplitFile.parse("s.txt", "a 0\n", 3);
        ImageScorer scorer = ImageScorer.perImage(file -> new float[2]);

        assertThatThrownBy(() -> new Evaluator("fake", scorer, 4).evaluate(split, dir))
                .isInstanceOf(EvaluationException.class)
                .hasMessageContaining("2 scores")
                .hasMessageContaining("expected 3");
    }

    @Test
    void shouldWrapScorerFailuresWithTheImage(@TempDir Path dir) throws IOException {
        Files.createFile(dir.resolve("a.jpg"));
        SplitFile split = SplitFile.parse("s.txt", "a 0\n", 3);
        ImageScorer scorer = ImageScorer.perImage(file -> {
            throw new IOException("cannot decode");
        });

        assertThatThrownBy(() -> new Evaluator("fake", scorer, 4).evaluate(split, dir))
                .isInstanceOf(EvaluationException.class)
                .hasMessageContaining("a.jpg")
                .hasMessageContaining("cannot decode")
                .hasCauseInstanceOf(IOException.class);
    }
}
