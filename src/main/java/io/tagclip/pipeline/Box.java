package io.tagclip.pipeline;

/** Axis-aligned box in original image pixels; {@code x1} and {@code y1} are exclusive. */
public record Box(int x0, int y0, int x1, int y1) {

    public Box {
        if (x1 < x0 || y1 < y0) {
            throw new IllegalArgumentException("box corners out of order: " + this);
        }
    }
}
