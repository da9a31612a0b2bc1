package io.tagclip.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SplitFileTest {

    @Test
    void shouldReadIdsAndZeroBasedLabelsInFileOrder() {
        SplitFile split = SplitFile.parse("s.txt", "000001 14 11\n000002\t3\n\n000004 7 7\n", 20);

        assertThat(split.entries()).extracting(SplitEntry::imageId).containsExactly("000001", "000002", "000004");
        assertThat(split.entries().get(0).labels()).containsExactly(11, 14);
        assertThat(split.entries().get(2).labels()).containsExactly(7);
        boolean[][] matrix = split.labelMatrix();
        assertThat(matrix[0][14]).isTrue();
        assertThat(matrix[0][13]).isFalse();
        assertThat(matrix[1][3]).isTrue();
    }

    @Test
    void shouldAcceptAnImageWithoutLabels() {
        assertThat(SplitFile.parse("s.txt", "img\n", 2).entries().get(0).labels())
                .isEmpty();
    }

    @Test
    void shouldNameFileLineAndTokenOfANonIntegerLabel(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("val_cls.txt");
        Files.writeString(file, "a 1\nb 2\nc 3 x4\n");

        assertThatThrownBy(() -> SplitFile.read(file, 20))
                .isInstanceOf(EvaluationException.class)
                .hasMessageContaining(file + ":3")
                .hasMessageContaining("'x4'")
                .hasMessageContaining("image c");
    }

    @Test
    void shouldNameFileLineAndTokenOfALabelOutsideTheClassList() {
        assertThatThrownBy(() -> SplitFile.parse("voc.txt", "a 1\n\nb 20\n", 20))
                .isInstanceOf(EvaluationException.class)
                .hasMessageContaining("voc.txt:3")
                .hasMessageContaining("'20'")
                .hasMessageContaining("[0, 20)");
        assertThatThrownBy(() -> SplitFile.parse("voc.txt", "a -1\n", 20)).hasMessageContaining("voc.txt:1");
    }

    @Test
    void shouldReadTheFixtureSplits() throws Exception {
        Path root = MultiLabelMetricsGoldenTest.fixture();

        SplitFile coco = SplitFile.read(root.resolve("splits/coco2014.txt"), 80);

        assertThat(coco.size()).isEqualTo(8);
        assertThat(coco.entries().get(2).imageId()).isEqualTo("coffee");
        assertThat(coco.entries().get(2).labels()).containsExactly(41, 44, 60);
    }
}
