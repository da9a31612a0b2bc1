package io.tagclip.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tagclip.fetch.FetchException.Reason;
import io.tagclip.image.RgbImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageDecoderTest {

    private final ImageDecoder decoder = new ImageDecoder(1_000_000, true);

    @ParameterizedTest
    @ValueSource(strings = {"png", "bmp", "gif"})
    void shouldDecodeLosslessFormatsExactly(String format) throws Exception {
        // 5x5: the JDK's GIF writer garbles images only two rows high (interlacing)
        BufferedImage source = format.equals("gif") ? TestImages.indexed(5, 5) : TestImages.gradient(5, 5);
        byte[] bytes = TestImages.encode(source, format);

        RgbImage image = decoder.decode(bytes, "test." + format, null);

        assertThat(image.width()).isEqualTo(5);
        assertThat(image.height()).isEqualTo(5);
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 5; x++) {
                assertThat(rgb(image, x, y)).as("pixel %d,%d", x, y).isEqualTo(TestImages.rgbAt(x, y));
            }
        }
    }

    @Test
    void shouldDecodeJpegWithinCompressionError() throws Exception {
        BufferedImage flat = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                flat.setRGB(x, y, 0xC86432);
            }
        }

        RgbImage image = decoder.decode(TestImages.encode(flat, "jpeg"), "flat.jpg", "image/jpeg");

        assertThat(image.width()).isEqualTo(16);
        assertThat(image.channel(8, 8, 0)).isBetween(0xC8 - 6, 0xC8 + 6);
        assertThat(image.channel(8, 8, 1)).isBetween(0x64 - 6, 0x64 + 6);
        assertThat(image.channel(8, 8, 2)).isBetween(0x32 - 6, 0x32 + 6);
    }

    @Test
    void shouldDecodeLosslessWebp() throws Exception {
        // made with: cwebp -lossless -exact of a 4x2 PPM (row 0: red green blue white; row 1: black grey yellow cyan)
        byte[] webp;
        try (InputStream in = getClass().getResourceAsStream("/images/quad-4x2-lossless.webp")) {
            webp = in.readAllBytes();
        }

        RgbImage image = decoder.decode(webp, "quad.webp", null);

        assertThat(image.width()).isEqualTo(4);
        assertThat(image.height()).isEqualTo(2);
        int[] expected = {0xFF0000, 0x00FF00, 0x0000FF, 0xFFFFFF, 0x000000, 0x808080, 0xFFFF00, 0x00FFFF};
        for (int i = 0; i < 8; i++) {
            assertThat(rgb(image, i % 4, i / 4)).as("pixel %d", i).isEqualTo(expected[i]);
        }
    }

    @Test
    void shouldReplicateGreyIntoAllChannelsWithoutGammaShift() throws Exception {
        BufferedImage grey = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(0, 0, 0, 100);
        grey.getRaster().setSample(1, 0, 0, 7);

        RgbImage image = decoder.decode(TestImages.encode(grey, "png"), "grey.png", null);

        assertThat(rgb(image, 0, 0)).isEqualTo(0x646464);
        assertThat(rgb(image, 1, 0)).isEqualTo(0x070707);
    }

    @Test
    void shouldDropAlphaWithoutCompositing() throws Exception {
        BufferedImage rgba = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        rgba.setRGB(0, 0, 0x000A141E); // fully transparent, colour (10, 20, 30)
        rgba.setRGB(1, 0, 0x80C86432); // half transparent

        RgbImage image = decoder.decode(TestImages.encode(rgba, "png"), "alpha.png", null);

        assertThat(rgb(image, 0, 0)).isEqualTo(0x0A141E);
        assertThat(rgb(image, 1, 0)).isEqualTo(0xC86432);
    }

    @Test
    void shouldRotateJpegAsItsExifOrientationSays() throws Exception {
        BufferedImage halves = new BufferedImage(16, 8, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 16; x++) {
                halves.setRGB(x, y, x < 8 ? 0xFF0000 : 0x0000FF); // left red, right blue
            }
        }
        byte[] jpeg = withExifOrientation(TestImages.encode(halves, "jpeg"), 6, true);

        RgbImage image = decoder.decode(jpeg, "rotated.jpg", null);

        // orientation 6 = rotate 90 degrees clockwise: the left (red) half becomes the top half
        assertThat(image.width()).isEqualTo(8);
        assertThat(image.height()).isEqualTo(16);
        assertThat(image.channel(4, 3, 0)).isGreaterThan(200);
        assertThat(image.channel(4, 3, 2)).isLessThan(60);
        assertThat(image.channel(4, 12, 2)).isGreaterThan(200);
        assertThat(new ImageDecoder(1_000_000, false)
                        .decode(jpeg, "as-stored.jpg", null)
                        .width())
                .isEqualTo(16);
    }

    @Test
    void shouldRefuseHugeImageFromHeaderBeforeDecoding() {
        byte[] bomb = pngHeaderOnly(50_000, 50_000); // a few dozen bytes claiming 2.5 gigapixels

        assertThatThrownBy(() -> decoder.decode(bomb, "bomb.png", null))
                .isInstanceOfSatisfying(FetchException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
                    assertThat(e.getMessage()).contains("50000x50000", "limit 1000000");
                });
    }

    @Test
    void shouldNameFirstBytesAndClaimedTypeOfNonImage() {
        byte[] html = "<html>not an image</html>".getBytes(StandardCharsets.US_ASCII);

        assertThatThrownBy(() -> decoder.decode(html, "page.html", "image/png"))
                .isInstanceOfSatisfying(FetchException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.UNSUPPORTED_FORMAT);
                    assertThat(e.getMessage()).contains("3c 68 74 6d", "claimed type image/png", "page.html");
                });
    }

    @Test
    void shouldReportTruncatedImageAsUndecodable() {
        byte[] png = TestImages.png(64, 64);
        byte[] truncated = Arrays.copyOf(png, 60);

        assertThatThrownBy(() -> decoder.decode(truncated, "cut.png", null))
                .hasFieldOrPropertyWithValue("reason", Reason.UNDECODABLE)
                .hasMessageContaining("cut.png");
    }

    @Test
    void shouldRefuseJpegOfMoreScansThanTheLimitBeforeDecodingItNamingCountAndLimit() {
        // 2,010 scans over 512x512: seconds of decoding on one core; the limit refuses it from the bytes alone
        byte[] stalling = TestImages.manyScanJpeg(512, 2000);

        long start = System.nanoTime();
        assertThatThrownBy(() -> decoder.decode(stalling, "scans.jpg", "image/jpeg"))
                .isInstanceOfSatisfying(FetchException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.UNDECODABLE);
                    assertThat(e.getMessage())
                            .contains("scans.jpg", "2010 scans", "limit 100", "tagger.fetch.max-jpeg-scans");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void shouldDecodeProgressiveJpegUpToTheScanLimitAndRefuseItBelow() throws Exception {
        byte[] progressive = TestImages.progressiveJpeg(TestImages.gradient(5, 5)); // 10 scans

        assertThat(new ImageDecoder(1_000_000, true, true, 10)
                        .decode(progressive, "p.jpg", null)
                        .width())
                .isEqualTo(5);
        assertThatThrownBy(() -> new ImageDecoder(1_000_000, true, true, 9).decode(progressive, "p.jpg", null))
                .hasFieldOrPropertyWithValue("reason", Reason.UNDECODABLE)
                .hasMessageContaining("10 scans, limit 9");
    }

    @Test
    void shouldDecodeAnImageFarLongerThanWhatIsKeptSubsampledToTwiceTheKeptLongSideOrMore() throws Exception {
        // 3400x900, the pipeline keeps 768: factor 3400 / (2 x 768) = 2, so every 2nd pixel of every 2nd row
        BufferedImage wide = new BufferedImage(3400, 900, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < wide.getHeight(); y++) {
            for (int x = 0; x < wide.getWidth(); x++) {
                wide.setRGB(x, y, (x & 0xFF) << 16 | (y & 0xFF) << 8 | (x >> 8));
            }
        }
        byte[] png = TestImages.encode(wide, "png");

        ImageDecoder.Plan plan = decoder(10_000_000).plan(png, "wide.png", null, 768);
        RgbImage image = decoder(10_000_000).decode(png, plan, "wide.png", () -> false);

        assertThat(plan.subsampling()).isEqualTo(2);
        assertThat(image.width()).isEqualTo(1700).isGreaterThanOrEqualTo(2 * 768);
        assertThat(image.height()).isEqualTo(450);
        for (int[] xy : new int[][] {{0, 0}, {1, 1}, {777, 123}, {1699, 449}}) {
            assertThat(rgb(image, xy[0], xy[1]))
                    .as("pixel %d,%d is source pixel %d,%d", xy[0], xy[1], 2 * xy[0], 2 * xy[1])
                    .isEqualTo(wide.getRGB(2 * xy[0], 2 * xy[1]) & 0xFFFFFF);
        }
    }

    @Test
    void shouldDecodeAtFullSizeWhenNothingIsKeptSmallerOrTheImageIsNotFourTimesLonger() throws Exception {
        byte[] png = TestImages.encode(new BufferedImage(3071, 10, BufferedImage.TYPE_INT_RGB), "png");

        assertThat(decoder(10_000_000).plan(png, "a.png", null, 768).subsampling())
                .as("3071 < 4 x 768")
                .isEqualTo(1);
        assertThat(decoder(10_000_000).plan(png, "a.png", null, 0).subsampling())
                .as("reference mode keeps every pixel")
                .isEqualTo(1);
        assertThat(decoder(10_000_000).plan(png, "a.png", null, 767).subsampling())
                .isEqualTo(2);
        assertThat(ImageDecoder.subsampling(6000, 4000, 768)).isEqualTo(3); // 2000x1334 decoded, 2000 >= 1536
        assertThat(ImageDecoder.subsampling(8000, 6000, 0)).isEqualTo(1);
    }

    @Test
    void shouldEstimateDecodeMemoryFromTheHeaderAtTheDecodedSize() throws Exception {
        byte[] rgba16 = TestImages.png16Rgba(300, 200);
        byte[] rgb8 = TestImages.png(30, 20);

        // the reader's raster (4 x 16 bits per pixel) and the 3-byte RGB copy
        assertThat(decoder.plan(rgba16, "deep.png", null, 0).decodedBytes()).isEqualTo(300L * 200 * (8 + 3));
        assertThat(decoder.plan(rgba16, "deep.png", null, 70).decodedBytes()).isEqualTo(150L * 100 * (8 + 3));
        assertThat(decoder.plan(rgb8, "rgb.png", null, 0).decodedBytes()).isEqualTo(30L * 20 * (3 + 3));
    }

    private static ImageDecoder decoder(long maxPixels) {
        return new ImageDecoder(maxPixels, true);
    }

    static int rgb(RgbImage image, int x, int y) {
        return image.channel(x, y, 0) << 16 | image.channel(x, y, 1) << 8 | image.channel(x, y, 2);
    }

    /** Inserts an APP1 Exif segment holding only the orientation tag right after the JPEG's SOI/APP0. */
    static byte[] withExifOrientation(byte[] jpeg, int orientation, boolean bigEndian) {
        ByteBuffer tiff =
                ByteBuffer.allocate(8 + 2 + 12 + 4).order(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        tiff.put((byte) (bigEndian ? 'M' : 'I'))
                .put((byte) (bigEndian ? 'M' : 'I'))
                .putShort((short) 42)
                .putInt(8);
        tiff.putShort((short) 1); // one IFD entry
        tiff.putShort((short) 0x0112)
                .putShort((short) 3)
                .putInt(1)
                .putShort((short) orientation)
                .putShort((short) 0);
        tiff.putInt(0); // no next IFD
        byte[] payload = tiff.array();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int insertAt = 2;
        if ((jpeg[2] & 0xFF) == 0xFF && (jpeg[3] & 0xFF) == 0xE0) { // keep JFIF APP0 first
            insertAt = 4 + ((jpeg[4] & 0xFF) << 8 | (jpeg[5] & 0xFF));
        }
        out.write(jpeg, 0, insertAt);
        int length = 2 + 6 + payload.length;
        out.write(0xFF);
        out.write(0xE1);
        out.write(length >> 8);
        out.write(length & 0xFF);
        out.writeBytes("Exif\0\0".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(payload);
        out.write(jpeg, insertAt, jpeg.length - insertAt);
        return out.toByteArray();
    }

    private static byte[] pngHeaderOnly(int width, int height) {
        ByteBuffer ihdr = ByteBuffer.allocate(4 + 13);
        ihdr.put("IHDR".getBytes(StandardCharsets.US_ASCII))
                .putInt(width)
                .putInt(height)
                .put((byte) 8)
                .put((byte) 2)
                .put((byte) 0)
                .put((byte) 0)
                .put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        ByteBuffer png = ByteBuffer.allocate(8 + 4 + 17 + 4);
        png.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        png.putInt(13).put(ihdr.array()).putInt((int) crc.getValue());
        return png.array();
    }
}
