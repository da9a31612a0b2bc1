package io.tagclip.segment;

import io.tagclip.tagging.PatchBox;
import java.util.ArrayList;
import java.util.List;

/**
 * CLIP-ES's {@code scoremap2bbox(scoremap, threshold, multi_contour_eval=True)} (utils.py) on a Grad-CAM map, and the
 * box mask CAA builds from it.
 *
 * <p>Reproduced quirks: the map is quantised by truncation ({@code (cam * 255).astype(uint8)}); the cut is
 * {@code int(threshold * max(u8))} and a cell is foreground when strictly above it ({@code cv2.THRESH_BINARY}); every
 * contour of {@code findContours(RETR_TREE)} gives a box, holes included; a box's right and bottom ends are clipped to
 * {@code width - 1} and {@code height - 1} and then used as exclusive slice ends, so the last column and row are never
 * inside a box; no contour gives the single box {@code [0,0,0,0]}, which masks nothing.
 */
public final class CamBoxes {

    /** u8 levels of the quantised map ({@code * 255}). */
    static final int LEVELS = 255;

    private CamBoxes() {}

    /**
     * The boxes of one map.
     *
     * @param cut the u8 value a cell must exceed ({@code cv2.threshold}'s thresh)
     * @param quantised the u8 map, row-major
     * @param boxes in OpenCV's contour order; {@code [0,0,0,0]} alone when there is no contour
     */
    public record Result(int cut, int[] quantised, List<PatchBox> boxes) {

        /** The union of the boxes as a row-major mask ({@code aff_mask}). */
        public boolean[] mask(int height, int width) {
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

    /**
     * Boxes of a {@code height x width} map in [0,1].
     *
     * @param threshold the fraction of the quantised maximum to exceed (0.4 VOC, 0.7 COCO)
     */
    public static Result boxes(float[] cam, int height, int width, double threshold) {
        if (cam.length != height * width) {
            throw new IllegalArgumentException("expected " + height + "x" + width + " cells, got " + cam.length);
        }
        int[] q = new int[cam.length];
        int max = 0;
        for (int i = 0; i < cam.length; i++) {
            q[i] = (int) (cam[i] * (float) LEVELS); // float32 product, truncated as astype(uint8) does
            max = Math.max(max, q[i]);
        }
        int cut = (int) (threshold * max); // python float times numpy uint8: float64, then int() truncates
        boolean[] foreground = new boolean[q.length];
        for (int i = 0; i < q.length; i++) {
            foreground[i] = q[i] > cut;
        }
        List<PatchBox> boxes = new ArrayList<>();
        for (BorderFollowing.Rect rect : BorderFollowing.boundingRects(foreground, height, width)) {
            int x1 = Math.min(rect.x() + rect.width(), width - 1);
            int y1 = Math.min(rect.y() + rect.height(), height - 1);
            // a contour on the last column or row alone gives x1 == x0 (an empty box), never x1 < x0
            boxes.add(new PatchBox(rect.x(), rect.y(), x1, y1));
        }
        if (boxes.isEmpty()) {
            boxes.add(new PatchBox(0, 0, 0, 0));
        }
        return new Result(cut, q, List.copyOf(boxes));
    }
}
