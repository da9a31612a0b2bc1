package io.tagclip.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tagclip.fetch.FetchException.Reason;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

    @ParameterizedTest
    @ValueSource(strings = {"gif", "bmp"})
    void shouldDecodeCompleteGifAndBmpInStrictMode(String format) throws Exception {
        byte[] bytes = encode(format.equals("gif") ? TestImages.indexedNoise(48, 32, 1) : noise(48, 32), format);

        assertThat(ImageIntegrity.problem(bytes, ImageFormat.sniff(bytes).orElseThrow()))
                .isEmpty();
        assertThat(strict.decode(bytes, "whole." + format, null).width()).isEqualTo(48);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gif", "bmp"})
    void shouldRefuseGifAndBmpCutToTwoThirdsInStrictMode(String format) throws Exception {
        byte[] bytes = encode(format.equals("gif") ? TestImages.indexedNoise(48, 32, 1) : noise(48, 32), format);
        byte[] truncated = Arrays.copyOf(bytes, bytes.length * 2 / 3);

        assertThatThrownBy(() -> strict.decode(truncated, "cut." + format, null))
                .isInstanceOf(FetchException.class)
                .hasFieldOrPropertyWithValue("reason", Reason.UNDECODABLE)
                .hasMessageContaining("cut." + format)
                .hasMessageContaining(format.toUpperCase(Locale.ROOT) + " is truncated");
    }

    @Test
    void shouldRefuseAnimatedGifCutAfterItsFirstFrameInStrictModeAndDecodeItLeniently() throws Exception {
        byte[] gif = TestImages.animatedGif(40, 30, 3);
        byte[] truncated = Arrays.copyOf(gif, gif.length * 2 / 3);

        assertThatThrownBy(() -> strict.decode(truncated, "cut.gif", null))
                .hasFieldOrPropertyWithValue("reason", Reason.UNDECODABLE)
                .hasMessageContaining("GIF is truncated")
                .hasMessageContaining("of its " + truncated.length + " bytes");
        assertThat(lenient.decode(truncated, "cut.gif", null).width()).isEqualTo(40);
        assertThat(strict.decode(gif, "whole.gif", null).width()).isEqualTo(40);
    }

    @Test
    void shouldRefuseGifWithoutTrailer() {
        byte[] gif = TestImages.animatedGif(40, 30, 2);
        byte[] withoutTrailer = Arrays.copyOf(gif, gif.length - 1);

        assertThat(ImageIntegrity.problem(withoutTrailer, ImageFormat.GIF))
                .hasValue("GIF has no trailer (0x3B): its blocks end at byte " + withoutTrailer.length
                        + ", the end of the body");
    }

    @Test
    void shouldRefuseGifWithAGarbageBlockBeforeItsTrailer() {
        byte[] gif = TestImages.animatedGif(40, 30, 2);
        int trailer = gif.length - 1;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(gif, 0, trailer);
        out.writeBytes(new byte[] {(byte) 0x99, 3, 1, 2, 3, 0});
        out.write(gif, trailer, 1);
        byte[] garbled = out.toByteArray();

        assertThat(gif[trailer]).isEqualTo((byte) 0x3B);
        assertThatThrownBy(() -> strict.decode(garbled, "garbled.gif", null))
                .hasFieldOrPropertyWithValue("reason", Reason.UNDECODABLE)
                .hasMessageContaining("GIF has an unknown block 0x99 at byte " + trailer);
    }

    @Test
    void shouldRefuseBmpWhosePixelArrayDoesNotFitEvenWhenItsFileSizeFieldAgrees() {
        byte[] bmp = TestImages.encode(TestImages.gradient(30, 20), "bmp"); // 24 bits, rows padded to 92 bytes
        byte[] truncated = Arrays.copyOf(bmp, bmp.length - 50);
        System.arraycopy(TestImages.littleEndian(truncated.length), 0, truncated, 2, 4);

        assertThat(ImageIntegrity.problem(bmp, ImageFormat.BMP)).isEmpty();
        assertThat(ImageIntegrity.problem(truncated, ImageFormat.BMP))
                .hasValueSatisfying(m -> assertThat(m)
                        .contains("BMP is truncated", "30x20", "24 bits", "1840 bytes", "54 + 1840")
                        .contains(String.valueOf(truncated.length)));
    }

    @Test
    void shouldCheckTheDeclaredImageSizeOfRunLengthEncodedBmp() throws Exception {
        byte[] rle = TestImages.rle8Bmp(40, 30);
        byte[] truncated = Arrays.copyOf(rle, rle.length - 10);
        System.arraycopy(TestImages.littleEndian(truncated.length), 0, truncated, 2, 4);

        assertThat(ImageIntegrity.problem(rle, ImageFormat.BMP)).isEmpty();
        assertThat(strict.decode(rle, "rle.bmp", null).width()).isEqualTo(40);
        assertThat(ImageIntegrity.problem(truncated, ImageFormat.BMP))
                .hasValueSatisfying(m -> assertThat(m).contains("BMP is truncated", "BI_RLE8", "declared image size"));
    }

    @Test
    void shouldAcceptWellFormedWebpContainersWithOddChunks() {
        assertThat(ImageIntegrity.problem(TestImages.webpContainer("VP8L", 46), ImageFormat.WEBP))
                .isEmpty();
        assertThat(ImageIntegrity.problem(
                        TestImages.webpContainer("VP8X", 10, "ICCP", 7, "ALPH", 3, "VP8 ", 21), ImageFormat.WEBP))
                .isEmpty();
    }

    @Test
    void shouldRefuseWebpCutToTwoThirds() throws Exception {
        byte[] webp;
        try (InputStream in = getClass().getResourceAsStream("/images/quad-4x2-lossless.webp")) {
            webp = in.readAllBytes();
        }
        byte[] truncated = Arrays.copyOf(webp, webp.length * 2 / 3);
        byte[] container = TestImages.webpContainer("VP8X", 10, "ALPH", 31, "VP8 ", 64);

        assertThatThrownBy(() -> strict.decode(truncated, "cut.webp", null))
                .hasFieldOrPropertyWithValue("reason", Reason.UNDECODABLE)
                .hasMessageContaining("cut.webp")
                .hasMessageContaining("WebP is truncated");
        assertThat(strict.decode(webp, "whole.webp", null).width()).isEqualTo(4);
        assertThat(ImageIntegrity.problem(Arrays.copyOf(container, container.length * 2 / 3), ImageFormat.WEBP))
                .hasValueSatisfying(m -> assertThat(m).contains("WebP is truncated", "RIFF"));
    }

    @Test
    void shouldRefuseWebpChunkRunningPastItsRiffSize() {
        byte[] webp = TestImages.webpContainer("VP8X", 10, "ICCP", 8, "VP8L", 20);
        int iccpSizeField = 12 + 8 + 10 + 4; // after the RIFF header and VP8X's header and payload, ICCP's FourCC
        System.arraycopy(TestImages.littleEndian(400), 0, webp, iccpSizeField, 4);

        assertThat(ImageIntegrity.problem(webp, ImageFormat.WEBP))
                .hasValue("WebP chunk ICCP at byte 30 declares 400 bytes, only " + (webp.length - 38)
                        + " remain in its RIFF size");
    }

    @Test
    void shouldRefuseWebpWhoseFirstChunkIsNoImage() {
        assertThat(ImageIntegrity.problem(TestImages.webpContainer("EXIF", 12), ImageFormat.WEBP))
                .hasValueSatisfying(m -> assertThat(m).contains("EXIF", "VP8 , VP8L or VP8X"));
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
