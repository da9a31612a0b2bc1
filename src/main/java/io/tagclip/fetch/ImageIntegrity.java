package io.tagclip.fetch;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * Structural checks that ImageIO's readers skip: they decode a truncated JPEG or a PNG whose chunk checksums fail
 * without an error, filling the missing rows with grey or garbage, and read only as far as the first frame of a GIF,
 * so an animated GIF cut after it decodes as if whole. Used by {@link ImageDecoder} in strict mode.
 */
final class ImageIntegrity {

    /** JPEG markers: start of scan and end of image. */
    private static final int JPEG_SOS = 0xDA;

    private static final int JPEG_EOI = 0xD9;
    /** PNG: the 8-byte signature, then chunks of length (4), type (4), data, CRC-32 (4) over type and data. */
    private static final int PNG_SIGNATURE_BYTES = 8;

    private static final int PNG_CHUNK_FRAME_BYTES = 12;

    /** GIF: 6-byte header and 7-byte logical screen descriptor, then blocks up to the trailer. */
    private static final int GIF_SCREEN_END = 13;

    private static final int GIF_EXTENSION = 0x21;
    private static final int GIF_IMAGE = 0x2C;
    private static final int GIF_TRAILER = 0x3B;
    /** An image descriptor's bytes after its 0x2C separator: left, top, width, height (2 each) and flags. */
    private static final int GIF_IMAGE_DESCRIPTOR_BYTES = 9;
    /** Packed-field bit saying a colour table follows, and the 3 bits giving its size, 3 * 2^(n + 1) bytes. */
    private static final int GIF_COLOUR_TABLE_FLAG = 0x80;

    private static final int GIF_COLOUR_TABLE_SIZE = 0x07;

    /** BMP: the 14-byte file header (signature, file size, reserved, pixel data offset), then the DIB header. */
    private static final int BMP_FILE_HEADER_BYTES = 14;
    /** The OS/2 1.x BITMAPCOREHEADER: 16-bit width and height, no compression. */
    private static final int BMP_CORE_HEADER_BYTES = 12;
    /** The shortest OS/2 2.x header: 32-bit width and height, planes and bit depth. */
    private static final int BMP_MIN_INFO_HEADER_BYTES = 16;
    /** Header length from which the compression field (offset 16 in the DIB header) is present, and image size. */
    private static final int BMP_HEADER_WITH_COMPRESSION = 20;

    private static final int BMP_HEADER_WITH_IMAGE_SIZE = 24;
    private static final List<String> BMP_COMPRESSIONS =
            List.of("BI_RGB", "BI_RLE8", "BI_RLE4", "BI_BITFIELDS", "BI_JPEG", "BI_PNG", "BI_ALPHABITFIELDS");
    /** Compressions whose pixel array is uncompressed rows, each padded to a multiple of 4 bytes. */
    private static final Set<String> BMP_UNCOMPRESSED = Set.of("BI_RGB", "BI_BITFIELDS", "BI_ALPHABITFIELDS");

    private static final List<Integer> BMP_BIT_DEPTHS = List.of(1, 2, 4, 8, 16, 24, 32);

    /** WebP: "RIFF", the RIFF size (little-endian, counted from byte 8), "WEBP", then chunks of FourCC and size. */
    private static final int RIFF_HEADER_BYTES = 12;

    private static final int RIFF_CHUNK_HEADER_BYTES = 8;
    private static final Set<String> WEBP_FIRST_CHUNKS = Set.of("VP8 ", "VP8L", "VP8X");

    private ImageIntegrity() {}

    /** What is structurally wrong with {@code bytes} of {@code format}; empty when nothing is found. */
    static Optional<String> problem(byte[] bytes, ImageFormat format) {
        return switch (format) {
            case JPEG -> jpeg(bytes);
            case PNG -> png(bytes);
            case GIF -> gif(bytes);
            case BMP -> bmp(bytes);
            case WEBP -> webp(bytes);
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

    /**
     * A GIF is complete when its blocks, walked from the logical screen descriptor, reach the trailer (0x3B): the
     * global colour table, then extensions (label and a sub-block chain) and images (descriptor, local colour table,
     * LZW code size and a sub-block chain) in any order. There must be at least one image.
     */
    private static Optional<String> gif(byte[] bytes) {
        if (bytes.length < GIF_SCREEN_END) {
            return gifTruncated("logical screen descriptor", 6, bytes.length);
        }
        int at = GIF_SCREEN_END + colourTableBytes(bytes[10]);
        if (at > bytes.length) {
            return gifTruncated("global colour table", GIF_SCREEN_END, bytes.length);
        }
        int images = 0;
        while (at < bytes.length) {
            int block = bytes[at] & 0xFF;
            int start = at;
            if (block == GIF_TRAILER) {
                return images > 0 ? Optional.empty() : Optional.of("GIF has no image before its trailer at byte " + at);
            } else if (block == GIF_EXTENSION) {
                at = at + 2 > bytes.length ? -1 : subBlocks(bytes, at + 2);
                if (at < 0) {
                    return gifTruncated("extension block", start, bytes.length);
                }
            } else if (block == GIF_IMAGE) {
                int afterDescriptor = at + 1 + GIF_IMAGE_DESCRIPTOR_BYTES;
                if (afterDescriptor > bytes.length) {
                    return gifTruncated("image descriptor", start, bytes.length);
                }
                int codeSize = afterDescriptor + colourTableBytes(bytes[afterDescriptor - 1]);
                at = codeSize + 1 > bytes.length ? -1 : subBlocks(bytes, codeSize + 1);
                if (at < 0) {
                    return gifTruncated("image", start, bytes.length);
                }
                images++;
            } else {
                return Optional.of(String.format(
                        "GIF has an unknown block 0x%02X at byte %d where an extension (0x21), an image (0x2C) or "
                                + "the trailer (0x3B) should start",
                        block, at));
            }
        }
        return Optional.of(
                "GIF has no trailer (0x3B): its blocks end at byte " + bytes.length + ", the end of the body");
    }

    /** Bytes of the colour table a GIF packed field announces, 0 when it has none. */
    private static int colourTableBytes(byte packed) {
        return (packed & GIF_COLOUR_TABLE_FLAG) == 0 ? 0 : 3 << ((packed & GIF_COLOUR_TABLE_SIZE) + 1);
    }

    /** Where the sub-block chain starting at {@code at} ends (after its 0 terminator), or -1 when it runs past. */
    private static int subBlocks(byte[] bytes, int at) {
        int i = at;
        while (i < bytes.length) {
            int size = bytes[i] & 0xFF;
            i += 1 + size;
            if (size == 0) {
                return i;
            }
        }
        return -1;
    }

    private static Optional<String> gifTruncated(String what, int at, int length) {
        return Optional.of(
                "GIF is truncated: the " + what + " at byte " + at + " runs past the end of its " + length + " bytes");
    }

    /**
     * A BMP is complete when the file size its header declares and the pixel array fit in the body: for uncompressed
     * rows (BI_RGB, BI_BITFIELDS) width x bit depth rounded up to 4 bytes per row, times the height; for compressed
     * data (BI_RLE8, BI_RLE4, BI_JPEG, BI_PNG) only the declared image size can be checked.
     */
    private static Optional<String> bmp(byte[] bytes) {
        if (bytes.length < BMP_FILE_HEADER_BYTES + 4) {
            return Optional.of("BMP is truncated: its " + bytes.length + " bytes end inside the file header");
        }
        long declaredSize = readIntLe(bytes, 2) & 0xFFFFFFFFL;
        if (declaredSize > bytes.length) {
            return Optional.of("BMP is truncated: its file header declares " + declaredSize + " bytes, the body has "
                    + bytes.length);
        }
        long dataOffset = readIntLe(bytes, 10) & 0xFFFFFFFFL;
        long headerBytes = readIntLe(bytes, BMP_FILE_HEADER_BYTES) & 0xFFFFFFFFL;
        if (headerBytes != BMP_CORE_HEADER_BYTES && headerBytes < BMP_MIN_INFO_HEADER_BYTES) {
            return Optional.of(
                    "BMP has a DIB header of " + headerBytes + " bytes; the shortest is " + BMP_CORE_HEADER_BYTES);
        }
        if (BMP_FILE_HEADER_BYTES + headerBytes > bytes.length) {
            return Optional.of("BMP is truncated: its DIB header of " + headerBytes + " bytes at byte "
                    + BMP_FILE_HEADER_BYTES + " runs past the end of its " + bytes.length + " bytes");
        }
        if (dataOffset < BMP_FILE_HEADER_BYTES + headerBytes || dataOffset > bytes.length) {
            return Optional.of("BMP pixel data offset " + dataOffset + " lies outside bytes "
                    + (BMP_FILE_HEADER_BYTES + headerBytes) + ".." + bytes.length + " of its body");
        }
        int h = BMP_FILE_HEADER_BYTES;
        boolean core = headerBytes == BMP_CORE_HEADER_BYTES;
        long width = core ? readShortLe(bytes, h + 4) : readIntLe(bytes, h + 4);
        long height = Math.abs((long) (core ? readShortLe(bytes, h + 6) : readIntLe(bytes, h + 8)));
        int bits = readShortLe(bytes, h + (core ? 10 : 14));
        int compression = !core && headerBytes >= BMP_HEADER_WITH_COMPRESSION ? readIntLe(bytes, h + 16) : 0;
        long imageSize =
                !core && headerBytes >= BMP_HEADER_WITH_IMAGE_SIZE ? readIntLe(bytes, h + 20) & 0xFFFFFFFFL : 0;
        if (width <= 0 || height == 0) {
            return Optional.of("BMP declares an empty " + width + "x" + height + " image");
        }
        if (compression < 0 || compression >= BMP_COMPRESSIONS.size()) {
            return Optional.of("BMP declares unknown compression " + Integer.toUnsignedString(compression));
        }
        String method = BMP_COMPRESSIONS.get(compression);
        long available = bytes.length - dataOffset;
        if (BMP_UNCOMPRESSED.contains(method)) {
            if (!BMP_BIT_DEPTHS.contains(bits)) {
                return Optional.of("BMP declares " + bits + " bits per pixel, not one of " + BMP_BIT_DEPTHS);
            }
            long rowBytes = (width * bits + 31) / 32 * 4;
            long needed = height > Long.MAX_VALUE / rowBytes ? Long.MAX_VALUE : rowBytes * height;
            if (needed > available) {
                return Optional.of("BMP is truncated: its " + width + "x" + height + " pixel array of " + bits
                        + " bits per pixel needs " + needed + " bytes from byte " + dataOffset + " (" + dataOffset
                        + " + " + needed + " = " + (dataOffset + needed) + "), the body has " + bytes.length);
            }
        } else if (imageSize > available) {
            return Optional.of("BMP is truncated: its " + method + " pixel data needs its declared image size of "
                    + imageSize + " bytes from byte " + dataOffset + " (" + dataOffset + " + " + imageSize + " = "
                    + (dataOffset + imageSize) + "), the body has " + bytes.length);
        }
        return Optional.empty();
    }

    /**
     * A WebP is complete when the RIFF size its header declares fits in the body and every chunk (FourCC, size,
     * payload, and a pad byte after an odd payload) lies within the RIFF size; the first chunk must be VP8, VP8L or
     * VP8X. The last chunk's pad byte may be missing. Data after the RIFF size is ignored, as the format allows.
     */
    private static Optional<String> webp(byte[] bytes) {
        if (bytes.length < RIFF_HEADER_BYTES) {
            return Optional.of("WebP is truncated: its " + bytes.length + " bytes end inside the RIFF header");
        }
        long riffSize = readIntLe(bytes, 4) & 0xFFFFFFFFL;
        long end = riffSize + 8;
        if (end > bytes.length) {
            return Optional.of("WebP is truncated: its RIFF header declares " + riffSize + " bytes after byte 8 (" + end
                    + " in all), the body has " + bytes.length);
        }
        int at = RIFF_HEADER_BYTES;
        if (at + RIFF_CHUNK_HEADER_BYTES > end) {
            return Optional.of("WebP has no chunk: its RIFF size is " + riffSize);
        }
        String first = fourCc(bytes, at);
        if (!WEBP_FIRST_CHUNKS.contains(first)) {
            return Optional.of("WebP starts with chunk '" + first + "', not VP8 , VP8L or VP8X");
        }
        while (at < end) {
            if (at + RIFF_CHUNK_HEADER_BYTES > end) {
                return Optional.of("WebP ends with " + (end - at) + " bytes at byte " + at
                        + ", too few for a chunk header, where its RIFF size ends at byte " + end);
            }
            String type = fourCc(bytes, at);
            long size = readIntLe(bytes, at + 4) & 0xFFFFFFFFL;
            long payloadStart = at + RIFF_CHUNK_HEADER_BYTES;
            if (size > end - payloadStart) {
                return Optional.of("WebP chunk " + type + " at byte " + at + " declares " + size + " bytes, only "
                        + (end - payloadStart) + " remain in its RIFF size");
            }
            // an odd payload's pad byte may only be missing at the very end
            at = (int) Math.min(payloadStart + size + (size & 1), end);
        }
        return Optional.empty();
    }

    private static String fourCc(byte[] bytes, int at) {
        return new String(bytes, at, 4, StandardCharsets.ISO_8859_1);
    }

    private static int readIntLe(byte[] b, int at) {
        return (b[at] & 0xFF) | ((b[at + 1] & 0xFF) << 8) | ((b[at + 2] & 0xFF) << 16) | ((b[at + 3] & 0xFF) << 24);
    }

    private static int readShortLe(byte[] b, int at) {
        return (b[at] & 0xFF) | ((b[at + 1] & 0xFF) << 8);
    }

    private static int readInt(byte[] b, int at) {
        return ((b[at] & 0xFF) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
    }
}
