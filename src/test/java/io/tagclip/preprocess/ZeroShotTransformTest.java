package io.tagclip.preprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tagclip.golden.Golden;
import io.tagclip.image.RgbImage;
import org.junit.jupiter.api.Test;

class ZeroShotTransformTest {

    @Test
    void shouldSquashChelseaExactlyLikeTheReferencePlain224Transform() {
        RgbImage expected = Golden.image("expected/chelsea.plain224.png");

        RgbImage squashed = ZeroShotTransform.squash(Golden.inputImage("chelsea"), 224);

        assertThat(squashed.width()).isEqualTo(224);
        assertThat(squashed.height()).isEqualTo(224);
        assertThat(squashed.pixels()).isEqualTo(expected.pixels());
    }

    @Test
    void shouldResizeTheShortSideAndCropTheCentre() {
        RgbImage squareFromLandscape = ZeroShotTransform.shortSideThenCenterCrop(Golden.inputImage("chelsea"), 224);
        RgbImage resized = PillowBicubic.resize(Golden.inputImage("chelsea"), 336, 224); // int(224 * 451 / 300) = 336

        assertThat(squareFromLandscape.width()).isEqualTo(224);
        assertThat(squareFromLandscape.height()).isEqualTo(224);
        assertThat(squareFromLandscape.pixels())
                .isEqualTo(ZeroShotTransform.crop(resized, 56, 0, 224, 224).pixels());
    }

    @Test
    void shouldRoundTheCropOffsetHalfToEvenLikePython() {
        RgbImage tall = rowCoded(4, 9); // short side already 4: no resize; (9 - 4) / 2 = 2.5 -> 2
        RgbImage taller = rowCoded(4, 11); // (11 - 4) / 2 = 3.5 -> 4

        assertThat(ZeroShotTransform.shortSideThenCenterCrop(tall, 4).channel(0, 0, 0))
                .isEqualTo(2);
        assertThat(ZeroShotTransform.shortSideThenCenterCrop(taller, 4).channel(0, 0, 0))
                .isEqualTo(4);
    }

    @Test
    void shouldCopyTheRequestedRegion() {
        RgbImage image = rowCoded(5, 6);

        RgbImage crop = ZeroShotTransform.crop(image, 1, 2, 3, 2);

        assertThat(crop.width()).isEqualTo(3);
        assertThat(crop.height()).isEqualTo(2);
        assertThat(crop.channel(0, 0, 0)).isEqualTo(2);
        assertThat(crop.channel(2, 1, 2)).isEqualTo(10 * (2 + 1) + (1 + 2));
        assertThatThrownBy(() -> ZeroShotTransform.crop(image, 3, 0, 3, 1)).hasMessageContaining("does not fit");
    }

    /** Red = row, green = column, blue = 10·row + column. */
    static RgbImage rowCoded(int width, int height) {
        byte[] px = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                px[(y * width + x) * 3] = (byte) y;
                px[(y * width + x) * 3 + 1] = (byte) x;
                px[(y * width + x) * 3 + 2] = (byte) (10 * y + x);
            }
        }
        return new RgbImage(width, height, px);
    }
}
