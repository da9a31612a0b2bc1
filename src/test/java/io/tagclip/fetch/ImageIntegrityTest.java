package io.tagclip.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tagclip.fetch.FetchException.Reason;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageIntegrityTest {

    /** PNG chunk layout: length (4), type (4), data, CRC (4); the first chunk (IHDR) starts after the 8-byte signature. */
    private static final int FIRST_CHUNK = 8;

    private final ImageDecoder strict = new ImageDecoder(1_000_000, true, true);
    private final ImageDecoder lenient = new ImageDecoder(1_000_000, true, false);

    @Test
    void shouldRefuseJpegTruncatedToAThirdInStrictModeAndDecodeItLeniently() throws Exception {
        byte[] jpeg = encode(noise(96, 64), "jpeg");
        byte[] truncated = Arrays.copyOf(jpeg, jpeg.length / 3);

        assertThatThrownBy(() -> strict.decode(truncated, "cut.jpg", null))
                .isInstanceOf(FetchException.class)
                .hasFieldOrPropertyWithValue("reason", Reason.UNDECODABLE)
                .hasMessageContaining("cut.jpg")
                .hasMessageContaining("JPEG is truncated");
        assertThat(lenient.decode(truncated, "cut.jpg", null).width()).isEqualTo(96);
        assertThat(strict.decode(jpeg, "whole.jpg", null).width()).isEqualTo(96);
    }

    @Test
    void shouldRefusePngWhoseIdatChecksumIsWrongInStrictModeAndDecodeItLeniently() throws Exception {
        byte[] png = encode(noise(40, 30), "png");
        byte[] corrupt = png.clone();
        int idat = indexOf(png, "IDAT");
        int length = ((png[idat - 4] & 0xFF) << 24)
                | ((png[idat - 3] & 0xFF) << 16)
                | ((png[idat - 2] & 0xFF) << 8)
                | (png[idat - 1] & 0xFF);
        corrupt[idat + 4 + length] ^= 0x5A; // first byte of IDAT's CRC

        assertThatThrownBy(() -> strict.decode(corrupt, "bad.png", null))
                .hasFieldOrPropertyWithValue("reason", Reason.UNDECODABLE)
                .hasMessageContaining("PNG chunk IDAT")
                .hasMessageContaining("fails its CRC-32 check");
        assertThat(lenient.decode(corrupt, "bad.png", null).height()).isEqualTo(30);
        assertThat(strict.decode(png, "good.png", null).height()).isEqualTo(30);
    }

    @Test
    void shouldRefuseTruncatedPng() throws Exception {
        byte[] png = encode(noise(40, 30), "png");
        byte[] truncated = Arrays.copyOf(png, png.length - 12); // without IEND

        assertThat(ImageIntegrity.problem(truncated, ImageFormat.PNG))
                .hasValueSatisfying(m -> assertThat(m).contains("no IEND chunk"));
        assertThat(ImageIntegrity.problem(Arrays.copyOf(png, FIRST_CHUNK + 20), ImageFormat.PNG))
                .hasValueSatisfying(m -> assertThat(m).contains("PNG is truncated"));
    }

    private static int indexOf(byte[] bytes, String type) {
        for (int i = FIRST_CHUNK; i + 4 <= bytes.length; i++) {
            if (bytes[i] == type.charAt(0)
                    && bytes[i + 1] == type.charAt(1)
                    && bytes[i + 2] == type.charAt(2)
                    && bytes[i + 3] == type.charAt(3)) {
                return i;
            }
        }
        throw new AssertionError("no " + type + " chunk");
    }

    private static BufferedImage noise(int w, int h) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(7);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                image.setRGB(x, y, random.nextInt(0xFFFFFF));
            }
        }
        return image;
    }

    private static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, format, out)).isTrue();
        return out.toByteArray();
    }
}
