package io.tagclip.tagging;

/**
 * A rectangle of patch cells, half-open: columns {@code [x0,x1)} and rows {@code [y0,y1)}. Empty when
 * {@code x0 == x1} or {@code y0 == y1} (the reference's clipping quirk produces such boxes).
 */
public record PatchBox(int x0, int y0, int x1, int y1) {

    public PatchBox {
        if (x0 < 0 || y0 < 0 || x1 < x0 || y1 < y0) {
            throw new IllegalArgumentException("invalid patch box " + x0 + "," + y0 + "," + x1 + "," + y1);
        }
    }

    public boolean isEmpty() {
        return x0 == x1 || y0 == y1;
    }

    public int width() {
        return x1 - x0;
    }

    public int height() {
        return y1 - y0;
    }
}
