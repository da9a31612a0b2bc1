package io.tagclip.segment;

import java.util.ArrayList;
import java.util.List;

/**
 * COCO's run-length encoding of a binary mask as {@code pycocotools.mask} reads it: runs counted over the pixels in
 * column-major order (down each column, columns left to right), alternating background and foreground and starting
 * with background (so the first run may be 0), written in the compressed string form of {@code rleToString}: from the
 * third run on each count is stored as the difference to the count two before it, and every value as a little-endian
 * sequence of signed 5-bit groups, each group plus 48 as one character, bit 0x20 meaning "more groups follow".
 */
public final class CocoRle {

    private CocoRle() {}

    /** The run lengths of a row-major {@code height x width} mask, column-major as COCO counts them. */
    public static long[] runs(boolean[] mask, int height, int width) {
        if (mask.length != height * width) {
            throw new IllegalArgumentException("mask has " + mask.length + " pixels for " + height + "x" + width);
        }
        List<Long> runs = new ArrayList<>();
        boolean current = false;
        long length = 0;
        for (int x = 0; x < width; x++) {
            for (int y = 0; y < height; y++) {
                boolean v = mask[y * width + x];
                if (v != current) {
                    runs.add(length);
                    length = 0;
                    current = v;
                }
                length++;
            }
        }
        runs.add(length);
        return runs.stream().mapToLong(Long::longValue).toArray();
    }

    /** The compressed {@code counts} string of a row-major mask. */
    public static String encode(boolean[] mask, int height, int width) {
        long[] counts = runs(mask, height, width);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < counts.length; i++) {
            long x = counts[i];
            if (i > 2) {
                x -= counts[i - 2];
            }
            boolean more = true;
            while (more) {
                long c = x & 0x1f;
                x >>= 5; // arithmetic: negative differences keep their sign bits
                more = (c & 0x10) != 0 ? x != -1 : x != 0;
                if (more) {
                    c |= 0x20;
                }
                out.append((char) (c + 48));
            }
        }
        return out.toString();
    }

    /** Decodes a compressed {@code counts} string back to a row-major {@code height x width} mask. */
    public static boolean[] decode(String counts, int height, int width) {
        List<Long> runs = new ArrayList<>();
        int p = 0;
        while (p < counts.length()) {
            long x = 0;
            int k = 0;
            boolean more = true;
            while (more) {
                if (p >= counts.length()) {
                    throw new IllegalArgumentException("truncated RLE counts at character " + p + ": " + counts);
                }
                long c = counts.charAt(p) - 48;
                if (c < 0 || c > 63) {
                    throw new IllegalArgumentException("bad RLE character '" + counts.charAt(p) + "' at " + p);
                }
                x |= (c & 0x1f) << (5 * k);
                more = (c & 0x20) != 0;
                p++;
                k++;
                if (!more && (c & 0x10) != 0) {
                    x |= -1L << (5 * k); // sign-extend
                }
            }
            if (runs.size() > 2) {
                x += runs.get(runs.size() - 2);
            }
            runs.add(x);
        }
        boolean[] mask = new boolean[height * width];
        long position = 0;
        boolean value = false;
        for (long run : runs) {
            if (run < 0 || position + run > (long) height * width) {
                throw new IllegalArgumentException("RLE runs do not fit a " + height + "x" + width + " mask");
            }
            for (long i = position; i < position + run; i++) {
                int x = (int) (i / height);
                int y = (int) (i % height);
                mask[y * width + x] = value;
            }
            position += run;
            value = !value;
        }
        if (position != (long) height * width) {
            throw new IllegalArgumentException("RLE runs cover " + position + " pixels, not " + height + "x" + width);
        }
        return mask;
    }
}
