package io.tagclip.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class JpegScansTest {

    @Test
    void shouldCountOneScanInABaselineJpeg() {
        assertThat(JpegScans.count(TestImages.encode(TestImages.gradient(8, 8), "jpeg")))
                .isEqualTo(1);
    }

    @Test
    void shouldCountEveryScanOfAProgressiveJpeg() {
        byte[] progressive = TestImages.progressiveJpeg(TestImages.gradient(8, 8));

        assertThat(JpegScans.count(progressive)).isEqualTo(10);
        assertThat(JpegScans.count(TestImages.manyScanJpeg(16, 500))).isEqualTo(510);
    }

    @Test
    void shouldNotCountTheScansOfAJpegEmbeddedInASegment() {
        byte[] thumbnail = TestImages.progressiveJpeg(TestImages.gradient(8, 8)); // 10 scans of its own
        byte[] baseline = TestImages.encode(TestImages.gradient(8, 8), "jpeg");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(baseline, 0, 2);
        int length = 2 + 6 + thumbnail.length;
        out.write(0xFF);
        out.write(0xE1);
        out.write(length >> 8);
        out.write(length & 0xFF);
        out.writeBytes("Exif\0\0".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(thumbnail);
        out.write(baseline, 2, baseline.length - 2);

        assertThat(JpegScans.count(out.toByteArray())).isEqualTo(1);
    }

    @Test
    void shouldCountTheScansBeforeWhereATruncatedJpegEnds() {
        byte[] progressive = TestImages.progressiveJpeg(TestImages.gradient(8, 8));

        assertThat(JpegScans.count(Arrays.copyOf(progressive, progressive.length / 2)))
                .isBetween(1, 10);
        assertThat(JpegScans.count(Arrays.copyOf(progressive, 3))).isZero();
    }
}
