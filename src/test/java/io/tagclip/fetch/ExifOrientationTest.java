package io.tagclip.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import io.tagclip.image.RgbImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExifOrientationTest {

    /** 3x2 image whose pixel values are their own positions: a=(0,0) b=(1,0) c=(2,0) / d=(0,1) e=(1,1) f=(2,1). */
    private static final RgbImage ABC_DEF = image(3, 2, "abcdef");

    @ParameterizedTest(name = "orientation {0} -> {1}x{2} {3}")
    @CsvSource({
        "1, 3, 2, abcdef",
        "2, 3, 2, cbafed", // mirrored
        "3, 3, 2, fedcba", // rotated 180
        "4, 3, 2, defabc", // flipped vertically
        "5, 2, 3, adbecf", // transposed
        "6, 2, 3, daebfc", // rotated 90 clockwise
        "7, 2, 3, fcebda", // transversed
        "8, 2, 3, cfbead", // rotated 90 counter-clockwise
    })
    void shouldTurnPixelsUpright(int orientation, int width, int height, String expected) {
        RgbImage turned = ExifOrientation.apply(ABC_DEF, orientation);

        assertThat(turned).usingRecursiveComparison().isEqualTo(image(width, height, expected));
    }

    @Test
    void shouldReadOrientationInBothByteOrders() {
        byte[] jpeg = TestImages.encode(TestImages.gradient(8, 8), "jpeg");

        assertThat(ExifOrientation.read(ImageDecoderTest.withExifOrientation(jpeg, 6, true)))
                .isEqualTo(6);
        assertThat(ExifOrientation.read(ImageDecoderTest.withExifOrientation(jpeg, 8, false)))
                .isEqualTo(8);
        assertThat(ExifOrientation.read(jpeg)).isEqualTo(ExifOrientation.NORMAL);
    }

    @Test
    void shouldTreatGarbageAsNormal() {
        assertThat(ExifOrientation.read(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE1, 0x7F, 0x7F}))
                .isEqualTo(ExifOrientation.NORMAL);
    }

    private static RgbImage image(int w, int h, String letters) {
        byte[] pixels = new byte[w * h * 3];
        for (int i = 0; i < letters.length(); i++) {
            pixels[i * 3] = (byte) letters.charAt(i);
        }
        return new RgbImage(w, h, pixels);
    }
}
