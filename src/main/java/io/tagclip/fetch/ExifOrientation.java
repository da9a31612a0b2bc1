package io.tagclip.fetch;

import io.tagclip.image.RgbImage;

/**
 * The EXIF orientation tag (0x0112) of a JPEG, and the rotation/flip that turns stored pixels into the upright image
 * a viewer shows. Only the APP1 "Exif" segment's first IFD is read; any malformation means "as stored" (1).
 *
 * @see <a href="https://www.cipa.jp/std/documents/e/DC-008-2012_E.pdf">CIPA DC-008 (Exif 2.3), 4.6.4 Orientation</a>
 */
public final class ExifOrientation {

    /** Orientation value meaning the pixels are stored upright. */
    public static final int NORMAL = 1;

    private static final int TAG_ORIENTATION = 0x0112;
    private static final int TYPE_SHORT = 3;

    private ExifOrientation() {}

    /** The orientation (1..8) stored in {@code jpeg}, or {@link #NORMAL} when there is none or it is unreadable. */
    public static int read(byte[] jpeg) {
        int pos = 2; // after SOI (FF D8)
        while (pos + 4 <= jpeg.length && (jpeg[pos] & 0xFF) == 0xFF) {
            int marker = jpeg[pos + 1] & 0xFF;
            if (marker == 0xDA || marker == 0xD9) { // start of scan / end of image: no more metadata
                return NORMAL;
            }
            int length = u16(jpeg, pos + 2, true);
            int payload = pos + 4;
            if (length < 2 || payload + length - 2 > jpeg.length) {
                return NORMAL;
            }
            if (marker == 0xE1 && length >= 8 && isExifHeader(jpeg, payload)) {
                return fromTiff(jpeg, payload + 6, payload + length - 2);
            }
            pos += 2 + length;
        }
        return NORMAL;
    }

    private static boolean isExifHeader(byte[] b, int at) {
        return b[at] == 'E'
                && b[at + 1] == 'x'
                && b[at + 2] == 'i'
                && b[at + 3] == 'f'
                && b[at + 4] == 0
                && b[at + 5] == 0;
    }

    /** Reads the orientation entry of IFD0 of the TIFF structure in {@code b[tiff, end)}. */
    private static int fromTiff(byte[] b, int tiff, int end) {
        if (tiff + 8 > end) {
            return NORMAL;
        }
        boolean bigEndian;
        if (b[tiff] == 'M' && b[tiff + 1] == 'M') {
            bigEndian = true;
        } else if (b[tiff] == 'I' && b[tiff + 1] == 'I') {
            bigEndian = false;
        } else {
            return NORMAL;
        }
        long ifdOffset = u32(b, tiff + 4, bigEndian);
        if (ifdOffset < 8 || tiff + ifdOffset + 2 > end) {
            return NORMAL;
        }
        int ifd = (int) (tiff + ifdOffset);
        int entries = u16(b, ifd, bigEndian);
        for (int i = 0; i < entries; i++) {
            int entry = ifd + 2 + i * 12;
            if (entry + 12 > end) {
                return NORMAL;
            }
            if (u16(b, entry, bigEndian) == TAG_ORIENTATION && u16(b, entry + 2, bigEndian) == TYPE_SHORT) {
                int value = u16(b, entry + 8, bigEndian);
                return value >= 1 && value <= 8 ? value : NORMAL;
            }
        }
        return NORMAL;
    }

    /** Returns {@code image} turned upright according to {@code orientation} (1..8). */
    public static RgbImage apply(RgbImage image, int orientation) {
        if (orientation < 1 || orientation > 8) {
            throw new IllegalArgumentException("EXIF orientation must be 1..8, got " + orientation);
        }
        if (orientation == NORMAL) {
            return image;
        }
        int w = image.width();
        int h = image.height();
        boolean swapsAxes = orientation >= 5;
        int outW = swapsAxes ? h : w;
        int outH = swapsAxes ? w : h;
        byte[] src = image.pixels();
        byte[] out = new byte[src.length];
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> {
                        sx = w - 1 - x;
                        sy = y;
                    } // mirror horizontally
                    case 3 -> {
                        sx = w - 1 - x;
                        sy = h - 1 - y;
                    } // rotate 180
                    case 4 -> {
                        sx = x;
                        sy = h - 1 - y;
                    } // mirror vertically
                    case 5 -> {
                        sx = y;
                        sy = x;
                    } // transpose
                    case 6 -> {
                        sx = y;
                        sy = h - 1 - x;
                    } // rotate 90 clockwise
                    case 7 -> {
                        sx = w - 1 - y;
                        sy = h - 1 - x;
                    } // transverse
                    default -> {
                        sx = w - 1 - y;
                        sy = x;
                    } // 8: rotate 90 counter-clockwise
                }
                System.arraycopy(src, (sy * w + sx) * 3, out, (y * outW + x) * 3, 3);
            }
        }
        return new RgbImage(outW, outH, out);
    }

    private static int u16(byte[] b, int at, boolean bigEndian) {
        int b0 = b[at] & 0xFF;
        int b1 = b[at + 1] & 0xFF;
        return bigEndian ? (b0 << 8) | b1 : (b1 << 8) | b0;
    }

    private static long u32(byte[] b, int at, boolean bigEndian) {
        long hi = u16(b, at, bigEndian);
        long lo = u16(b, at + 2, bigEndian);
        return bigEndian ? (hi << 16) | lo : (lo << 16) | hi;
    }
}
