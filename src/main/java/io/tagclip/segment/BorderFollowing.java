package io.tagclip.segment;

import java.util.ArrayList;
import java.util.List;

/**
 * Contour bounding boxes of a binary grid as OpenCV 4.6's {@code findContours(RETR_TREE, CHAIN_APPROX_SIMPLE)}
 * followed by {@code boundingRect} on every contour gives them, in the same order.
 *
 * <p>This is Suzuki and Abe's border following (1985, "Topological structural analysis of digitized binary images
 * by border following"), with OpenCV's conventions: the grid is padded with one ring of background, the scan is
 * raster order, foreground is 8-connected (holes 4-connected), a traced pixel is marked {@code -nbd} when the scan
 * looked at its right neighbour and found background, else {@code nbd} if still unmarked. Each border's parent is
 * decided from the last border met on the row (LNBD): an outer border inside an outer border's region and a hole
 * inside a hole share the parent, otherwise the last border is the parent. OpenCV inserts each new contour at the
 * head of its parent's child list and lists the tree depth-first, so siblings come out newest first; the boxes here
 * follow that order. Hole contours are traced along the foreground pixels around the hole, so their box is the
 * hole's box grown by one cell, inside the enclosing outer box.
 */
final class BorderFollowing {

    /** Neighbour offsets by chain code (0 east, counter-clockwise on screen: 1 north-east, 2 north, ...). */
    private static final int[] DX = {1, 1, 0, -1, -1, -1, 0, 1};

    private static final int[] DY = {0, -1, -1, -1, 0, 1, 1, 1};

    private BorderFollowing() {}

    /** One contour's bounding rectangle in grid cells ({@code cv2.boundingRect}: x, y, width, height). */
    record Rect(int x, int y, int width, int height) {}

    private static final class Border {
        final boolean hole;
        final Border parent;
        final List<Border> children = new ArrayList<>();
        int minX = Integer.MAX_VALUE;
        int minY = Integer.MAX_VALUE;
        int maxX = Integer.MIN_VALUE;
        int maxY = Integer.MIN_VALUE;

        Border(boolean hole, Border parent) {
            this.hole = hole;
            this.parent = parent;
        }

        void add(int x, int y) {
            minX = Math.min(minX, x);
            minY = Math.min(minY, y);
            maxX = Math.max(maxX, x);
            maxY = Math.max(maxY, y);
        }
    }

    /**
     * The bounding rectangles of every contour of {@code foreground} (row-major {@code height x width}), in OpenCV's
     * output order; empty when there is no foreground cell.
     */
    static List<Rect> boundingRects(boolean[] foreground, int height, int width) {
        if (foreground.length != height * width) {
            throw new IllegalArgumentException("expected " + height + "x" + width + " cells, got " + foreground.length);
        }
        int w = width + 2; // padded with one background ring, as findContours does
        int h = height + 2;
        int[] f = new int[w * h];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                f[(y + 1) * w + x + 1] = foreground[y * width + x] ? 1 : 0;
            }
        }
        Border frame = new Border(true, null); // the frame counts as a hole: outer borders on it are its children
        List<Border> byNumber = new ArrayList<>();
        byNumber.add(null); // 0: background
        byNumber.add(frame); // 1: the frame (Suzuki's NBD starts at 1)
        for (int y = 1; y < h - 1; y++) {
            int lnbd = 1; // the frame
            for (int x = 1; x < w - 1; x++) {
                int p = f[y * w + x];
                int prev = f[y * w + x - 1];
                int next = f[y * w + x + 1];
                boolean outer = p == 1 && prev == 0;
                boolean hole = !outer && p >= 1 && next == 0;
                if (outer || hole) {
                    if (hole && p > 1) {
                        lnbd = p;
                    }
                    Border last = byNumber.get(lnbd);
                    Border parent = last.hole == hole ? last.parent : last;
                    if (parent == null) { // a hole before any border on its row: OpenCV gives it the frame
                        parent = frame;
                    }
                    Border border = new Border(hole, parent);
                    parent.children.add(border);
                    byNumber.add(border);
                    int nbd = byNumber.size() - 1;
                    trace(f, w, x, y, outer ? x - 1 : x + 1, y, nbd, border);
                }
                int value = f[y * w + x];
                if (value != 0 && value != 1) {
                    lnbd = Math.abs(value);
                }
            }
        }
        List<Rect> rects = new ArrayList<>();
        collect(frame, rects);
        return rects;
    }

    /** Depth first, each node's children newest first (OpenCV's tree insertion and traversal). */
    private static void collect(Border node, List<Rect> out) {
        for (int i = node.children.size() - 1; i >= 0; i--) {
            Border child = node.children.get(i);
            out.add(new Rect(child.minX - 1, child.minY - 1, child.maxX - child.minX + 1, child.maxY - child.minY + 1));
            collect(child, out);
        }
    }

    /**
     * Follows the border through the foreground pixel (x0, y0), starting from its background neighbour (sx, sy), and
     * marks it with {@code nbd}; every border pixel is added to {@code border}'s box (padded coordinates).
     */
    private static void trace(int[] f, int w, int x0, int y0, int sx, int sy, int nbd, Border border) {
        int start = direction(sx - x0, sy - y0);
        // Step 3.1: clockwise from the start neighbour, find the first foreground pixel.
        int found = -1;
        for (int k = 0; k < 8; k++) {
            int d = (start - k + 8) & 7;
            if (f[(y0 + DY[d]) * w + x0 + DX[d]] != 0) {
                found = d;
                break;
            }
        }
        border.add(x0, y0);
        if (found < 0) { // an isolated pixel
            f[y0 * w + x0] = -nbd;
            return;
        }
        int x1 = x0 + DX[found];
        int y1 = y0 + DY[found];
        int x2 = x1;
        int y2 = y1;
        int x3 = x0;
        int y3 = y0;
        while (true) {
            // Step 3.3: counter-clockwise around (x3, y3), starting after (x2, y2), find the next foreground pixel.
            int from = direction(x2 - x3, y2 - y3);
            boolean eastExamined = false;
            int d = from;
            int x4;
            int y4;
            while (true) {
                d = (d + 1) & 7;
                x4 = x3 + DX[d];
                y4 = y3 + DY[d];
                if (f[y4 * w + x4] != 0) {
                    break;
                }
                if (d == 0) {
                    eastExamined = true;
                }
            }
            // Step 3.4: mark (x3, y3).
            int index = y3 * w + x3;
            if (eastExamined) {
                f[index] = -nbd;
            } else if (f[index] == 1) {
                f[index] = nbd;
            }
            border.add(x3, y3);
            // Step 3.5: back at the start pixel with the first move repeated: the border is closed.
            if (x4 == x0 && y4 == y0 && x3 == x1 && y3 == y1) {
                return;
            }
            x2 = x3;
            y2 = y3;
            x3 = x4;
            y3 = y4;
        }
    }

    private static int direction(int dx, int dy) {
        for (int d = 0; d < 8; d++) {
            if (DX[d] == dx && DY[d] == dy) {
                return d;
            }
        }
        throw new IllegalStateException("not a neighbour offset: " + dx + "," + dy);
    }
}
