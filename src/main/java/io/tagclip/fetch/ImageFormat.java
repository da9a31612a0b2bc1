package io.tagclip.fetch;

import java.util.HexFormat;
import java.util.Optional;

/** The image formats the service decodes, recognised by their magic bytes rather than by what the sender claims. */
public enum ImageFormat {
    JPEG("jpeg"),
    PNG("png"),
    GIF("gif"),
    BMP("bmp"),
    WEBP("webp");

    private final String imageIoName;

    ImageFormat(String imageIoName) {
        this.imageIoName = imageIoName;
    }

    /** The ImageIO format name whose readers decode this format. */
    public String imageIoName() {
        return imageIoName;
    }

    /** The format whose signature {@code bytes} start with, if any. */
    public static Optional<ImageFormat> sniff(byte[] bytes) {
        if (startsWith(bytes, 0, 0xFF, 0xD8, 0xFF)) {
            return Optional.of(JPEG);
        }
        if (startsWith(bytes, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return Optional.of(PNG);
        }
        if (startsWith(bytes, 0, 'G', 'I', 'F', '8', '7', 'a') || startsWith(bytes, 0, 'G', 'I', 'F', '8', '9', 'a')) {
            return Optional.of(GIF);
        }
        if (startsWith(bytes, 0, 'B', 'M') && bytes.length >= 26) {
            return Optional.of(BMP);
        }
        if (startsWith(bytes, 0, 'R', 'I', 'F', 'F') && startsWith(bytes, 8, 'W', 'E', 'B', 'P')) {
            return Optional.of(WEBP);
        }
        return Optional.empty();
    }

    /** The first (up to 8) bytes in hex, to name unrecognised content in messages. */
    public static String head(byte[] bytes) {
        return bytes.length == 0
                ? "(empty)"
                : HexFormat.ofDelimiter(" ").formatHex(bytes, 0, Math.min(8, bytes.length));
    }

    private static boolean startsWith(byte[] bytes, int offset, int... signature) {
        if (bytes.length < offset + signature.length) {
            return false;
        }
        for (int i = 0; i < signature.length; i++) {
            if ((bytes[offset + i] & 0xFF) != signature[i]) {
                return false;
            }
        }
        return true;
    }
}
