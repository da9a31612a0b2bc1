package io.tagclip.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tagclip.golden.ClsSegGolden;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** COCO's compressed RLE: column-major runs and pycocotools' string form, on hand-worked masks and a golden map. */
class CocoRleTest {

    @Test
    void shouldCountRunsDownEachColumnStartingWithBackground() {
        // row-major [[0,1],[1,1]]: column-major 0,1,1,1
        boolean[] mask = {false, true, true, true};

        assertThat(CocoRle.runs(mask, 2, 2)).containsExactly(1, 3);
        assertThat(CocoRle.encode(mask, 2, 2)).isEqualTo("13");
    }

    @Test
    void shouldStoreLaterCountsAsSignedDifferencesToTheCountTwoBefore() {
        // column-major 1,1,0,0,0,1 on a 3x2 mask -> runs 0,2,3,1; the fourth is stored as 1 - 2 = -1: 31 + 48 = 'O'
        boolean[] mask = {true, false, true, false, false, true};

        assertThat(CocoRle.runs(mask, 3, 2)).containsExactly(0, 2, 3, 1);
        assertThat(CocoRle.encode(mask, 3, 2)).isEqualTo("023O");
        assertThat(CocoRle.decode("023O", 3, 2)).containsExactly(mask);
    }

    @Test
    void shouldUseSeveralCharactersForLongRuns() {
        boolean[] mask = new boolean[100 * 100];
        for (int i = 5000; i < mask.length; i++) {
            mask[i] = true; // the bottom half, rows 50..99: 100 runs of 50 per column
        }
        String counts = CocoRle.encode(mask, 100, 100);

        // first run 50 = 0b1_10010: low group 18 with "more" (18 | 32) + 48 = 'b', then 1 + 48 = '1'
        assertThat(counts).startsWith("b1");
        assertThat(CocoRle.decode(counts, 100, 100)).containsExactly(mask);
    }

    @Test
    void shouldRoundTripEveryClassOfAGoldenLabelMap() throws IOException {
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(ClsSegGolden.bytes("chelsea.voc.labels.png")));
        Raster raster = png.getRaster();
        int h = png.getHeight();
        int w = png.getWidth();
        for (int value = 0; value <= 20; value++) {
            boolean[] mask = new boolean[h * w];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = raster.getSample(i % w, i / w, 0) == value;
            }

            assertThat(CocoRle.decode(CocoRle.encode(mask, h, w), h, w))
                    .as("value " + value)
                    .containsExactly(mask);
        }
    }

    @Test
    void shouldRefuseCountsThatDoNotCoverTheMask() {
        assertThatThrownBy(() -> CocoRle.decode("13", 3, 2)).hasMessageContaining("cover 4 pixels, not 3x2");
        assertThatThrownBy(() -> CocoRle.decode("1b", 2, 2)).hasMessageContaining("truncated");
    }
}
