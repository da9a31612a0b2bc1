package io.tagclip.tagging;

import java.util.ArrayList;
import java.util.List;

/**
 * The reference's {@code scoremap2bbox} (utils.py, {@code multi_contour_eval=True}) without OpenCV: quantise a
 * min-max normalised class map to uint8, threshold it at its mean, and return one bounding box per connected
 * foreground region.
 *
 * <p>The reference finds the regions with {@code cv2.findContours(RETR_EXTERNAL)} and boxes each contour with
 * {@code cv2.boundingRect}. Here the regions are the 8-connected components of the foreground. The two lists differ
 * only by components lying in a hole of another component, whose box lies inside the enclosing one's, so the union
 * of boxes (all the reference uses) is identical. The order of the list is not OpenCV's.
 *
 * <p>Reproduced quirks:
 * <ul>
 *   <li>quantisation truncates ({@code (s * 255).astype(uint8)}), it does not round;</li>
 *   <li>the threshold is {@code int(mean * max(q))}, truncated, and a cell is foreground when strictly above it
 *       ({@code cv2.THRESH_BINARY});</li>
 *   <li>each box's exclusive ends are clipped to {@code width - 1} and {@code height - 1}, so the last column and row
 *       of the grid are never inside a box, and a box that only covers them becomes empty.</li>
 * </ul>
 */
public final class ScoreMapBoxes {

    private ScoreMapBoxes() {}

    /** Foreground cells of a normalised map: {@code floor(s * levels) > int(mean(s) * max(q))}, row-major. */
    public static boolean[] foreground(float[] normalised, int levels) {
        int n = normalised.length;
        int[] q = new int[n];
        int qMax = 0;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            // float32 product, then truncation toward zero as numpy's astype(uint8) does for values in range
            q[i] = (int) (normalised[i] * (float) levels);
            qMax = Math.max(qMax, q[i]);
            sum += normalised[i];
        }
        float mean = (float) (sum / n);
        int threshold = (int) (mean * (float) qMax);
        boolean[] fg = new boolean[n];
        for (int i = 0; i < n; i++) {
            fg[i] = q[i] > threshold;
        }
        return fg;
    }

    /**
     * Bounding boxes of the 8-connected components of {@code fg} on a {@code height x width} grid, with the
     * reference's end clipping applied.
     */
    public static List<PatchBox> boxes(boolean[] fg, int height, int width) {
        if (fg.length != height * width) {
            throw new IllegalArgumentException("expected " + height + "x" + width + " cells, got " + fg.length);
        }
        boolean[] seen = new boolean[fg.length];
        int[] stack = new int[fg.length];
        List<PatchBox> boxes = new ArrayList<>();
        for (int start = 0; start < fg.length; start++) {
            if (!fg[start] || seen[start]) {
                continue;
            }
            int minX = width;
            int minY = height;
            int maxX = -1;
            int maxY = -1;
            int top = 0;
            stack[top++] = start;
            seen[start] = true;
            while (top > 0) {
                int cell = stack[--top];
                int y = cell / width;
                int x = cell % width;
                minX = Math.min(minX, x);
                maxX = Math.max(maxX, x);
                minY = Math.min(minY, y);
                maxY = Math.max(maxY, y);
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        int ny = y + dy;
                        int nx = x + dx;
                        if (ny < 0 || ny >= height || nx < 0 || nx >= width) {
                            continue;
                        }
                        int next = ny * width + nx;
                        if (fg[next] && !seen[next]) {
                            seen[next] = true;
                            stack[top++] = next;
                        }
                    }
                }
            }
            int x1 = Math.min(maxX + 1, width - 1);
            int y1 = Math.min(maxY + 1, height - 1);
            boxes.add(new PatchBox(minX, minY, Math.max(x1, minX), Math.max(y1, minY)));
        }
        return boxes;
    }

    /** The union of the boxes' cells as a row-major mask (what {@code mask_attn} builds as {@code aff_mask}). */
    public static boolean[] fill(List<PatchBox> boxes, int height, int width) {
        boolean[] mask = new boolean[height * width];
        for (PatchBox box : boxes) {
            for (int y = box.y0(); y < box.y1(); y++) {
                for (int x = box.x0(); x < box.x1(); x++) {
                    mask[y * width + x] = true;
                }
            }
        }
        return mask;
    }
}
