package io.tagclip.fetch;

/**
 * Counts the scans of a JPEG from its bytes, without decoding. A progressive JPEG refines the whole image once per
 * scan, so its decode time grows with the scan count: a file of a few megabytes can hold thousands of scans and keep
 * a decoder busy for minutes. {@link ImageDecoder} refuses a JPEG with more scans than its limit before decoding it.
 *
 * <p>The walk follows the file's structure: segments are skipped by their declared lengths (so that an EXIF thumbnail
 * inside APP1, with markers of its own, is not counted), and after each start-of-scan header the entropy-coded data
 * is skipped up to the next marker. Inside that data every 0xFF byte is followed by 0x00 (stuffing), a restart marker
 * (0xD0..0xD7) or another 0xFF (fill), so the first 0xFF followed by anything else starts the next segment.
 */
final class JpegScans {

    private static final int MARKER = 0xFF;
    private static final int SOI = 0xD8;
    private static final int EOI = 0xD9;
    private static final int SOS = 0xDA;
    /** TEM: a marker without a length. */
    private static final int TEM = 0x01;

    private static final int RST0 = 0xD0;
    private static final int RST7 = 0xD7;

    private JpegScans() {}

    /**
     * The start-of-scan markers of {@code bytes}, a JPEG (starting with SOI), up to its end-of-image marker or to the
     * first place its structure breaks (what follows there is the integrity check's and the reader's to judge).
     */
    static int count(byte[] bytes) {
        int scans = 0;
        int at = 2; // after SOI
        while (at + 1 < bytes.length) {
            if ((bytes[at] & 0xFF) != MARKER) {
                return scans;
            }
            int marker = bytes[at + 1] & 0xFF;
            if (marker == MARKER) {
                at++; // fill byte before a marker
                continue;
            }
            if (marker == EOI) {
                return scans;
            }
            if (standalone(marker)) {
                at += 2;
                continue;
            }
            if (at + 4 > bytes.length) {
                return scans;
            }
            int length = ((bytes[at + 2] & 0xFF) << 8) | (bytes[at + 3] & 0xFF);
            at += 2 + length;
            if (marker == SOS) {
                scans++;
                at = nextMarker(bytes, at);
            }
        }
        return scans;
    }

    private static boolean standalone(int marker) {
        return marker == SOI || marker == TEM || (marker >= RST0 && marker <= RST7);
    }

    /** Where the entropy-coded data starting at {@code from} ends: at the next marker, or at the end of the bytes. */
    private static int nextMarker(byte[] bytes, int from) {
        for (int i = from; i + 1 < bytes.length; i++) {
            if ((bytes[i] & 0xFF) == MARKER) {
                int next = bytes[i + 1] & 0xFF;
                if (next != 0x00 && next != MARKER && (next < RST0 || next > RST7)) {
                    return i;
                }
            }
        }
        return bytes.length;
    }
}
