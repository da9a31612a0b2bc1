package io.tagclip.fetch;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * Structural checks that ImageIO's readers skip: they decode a truncated JPEG or a PNG whose chunk checksums fail
 * without an error, filling the missing rows with grey or garbage. Used by {@link ImageDecoder} in strict mode.
 */
final class ImageIntegrity {

    /** JPEG markers: start of scan and end of image. */
    private static final int JPEG_SOS = 0xDA;

    private static final int JPEG_EOI = 0xD9;
    /** PNG: the 8-byte signature, then chunks of length (4), type (4), data, CRC-32 (4) over type and data. */
    private static final int PNG_SIGNATURE_BYTES = 8;

    private static final int PNG_CHUNK_FRAME_BYTES = 12;

    private ImageIntegrity() {}

    /** What is structurally wrong with {@code bytes} of {@code format}; empty when nothing is found. */
    static Optional<String> problem(byte[] bytes, ImageFormat format) {
        return switch (format) {
            case JPEG -> jpeg(bytes);
            case PNG -> png(bytes);
            default -> Optional.empty();
        };
    }

    /**
     * A JPEG is complete when an end-of-image marker follows its first scan. The segments before the scan are skipped
     * by their lengths (an EXIF thumbnail inside APP1 has markers of its own); entropy-coded data cannot contain the
     * marker, because every 0xFF byte in it is followed by 0x00 (stuffing) or a restart marker.
     */
    private static Optional<String> jpeg(byte[] bytes) {
        int at = 2; // after SOI
        while (true) {
            if (at + 4 > bytes.length) {
                return Optional.of("JPEG is truncated: it ends at byte " + bytes.length + " before any scan data");
            }
            if ((bytes[at] & 0xFF) != 0xFF) {
                return Optional.of("JPEG is corrupt: no marker at byte " + at + " where a segment should start");
            }
            int marker = bytes[at + 1] & 0xFF;
            if (marker == 0xFF) {
                at++; // fill byte
                continue;
            }
            int length = ((bytes[at + 2] & 0xFF) << 8) | (bytes[at + 3] & 0xFF);
            if (marker == JPEG_SOS) {
                break;
            }
            at += 2 + length;
        }
        for (int i = at; i + 1 < bytes.length; i++) {
            if ((bytes[i] & 0xFF) == 0xFF && (bytes[i + 1] & 0xFF) == JPEG_EOI) {
                return Optional.empty();
            }
        }
        return Optional.of(
                "JPEG is truncated: no end-of-image marker after the scan data (" + bytes.length + " bytes)");
    }

    /** Every chunk's CRC-32 must match, and the file must reach its IEND chunk. */
    private static Optional<String> png(byte[] bytes) {
        CRC32 crc = new CRC32();
        int at = PNG_SIGNATURE_BYTES;
        while (at + PNG_CHUNK_FRAME_BYTES <= bytes.length) {
            long length = readInt(bytes, at) & 0xFFFFFFFFL;
            String type = new String(bytes, at + 4, 4, StandardCharsets.ISO_8859_1);
            if (length > bytes.length - at - PNG_CHUNK_FRAME_BYTES) {
                return Optional.of("PNG is truncated: chunk " + type + " at byte " + at + " declares " + length
                        + " bytes, " + (bytes.length - at - PNG_CHUNK_FRAME_BYTES) + " remain");
            }
            crc.reset();
            crc.update(bytes, at + 4, 4 + (int) length);
            long stored = readInt(bytes, at + 8 + (int) length) & 0xFFFFFFFFL;
            if (crc.getValue() != stored) {
                return Optional.of(String.format(
                        "PNG chunk %s at byte %d fails its CRC-32 check (stored %08x, computed %08x)",
                        type, at, stored, crc.getValue()));
            }
            if (type.equals("IEND")) {
                return Optional.empty();
            }
            at += PNG_CHUNK_FRAME_BYTES + (int) length;
        }
        return Optional.of("PNG is truncated: no IEND chunk in its " + bytes.length + " bytes");
    }

    private static int readInt(byte[] b, int at) {
        return ((b[at] & 0xFF) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
    }
}
