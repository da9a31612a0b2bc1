package io.tagclip.segment;

/**
 * The constants of CLIP-ES's segmentation step that differ between its VOC and COCO scripts
 * ({@code generate_cams_voc.py} / {@code generate_cams_coco.py}).
 *
 * @param boxThreshold fraction of the quantised Grad-CAM maximum a cell must exceed to enter a box
 *     ({@code scoremap2bbox(threshold=...)}: 0.4 VOC, 0.7 COCO)
 * @param attentionLayers how many of the last blocks' attention maps CAA averages, counted from the end before the
 *     last block is dropped ({@code [-8:...]}: 8)
 * @param includeLastLayer whether the last block's map is among them (VOC {@code [-8:-1]} leaves it out, so 7 maps;
 *     COCO {@code [-8:]} keeps it, so 8)
 */
public record ClsSegParams(double boxThreshold, int attentionLayers, boolean includeLastLayer) {

    /** CLIP-ES's prompt template for the segmentation text features. */
    public static final String TEMPLATE = "a clean origami {}.";

    /** {@code scale_cam_image}'s guard against a zero maximum: {@code (x - min) / (1e-7 + max)}. */
    public static final double SCALE_EPSILON = 1e-7;

    public ClsSegParams {
        if (!(boxThreshold >= 0 && boxThreshold < 1)) {
            throw new IllegalArgumentException("boxThreshold must be in [0,1), got " + boxThreshold);
        }
        if (attentionLayers < 1) {
            throw new IllegalArgumentException("attentionLayers must be positive, got " + attentionLayers);
        }
    }

    /** {@code generate_cams_voc.py}: threshold 0.4, maps {@code [-8:-1]}. */
    public static ClsSegParams voc() {
        return new ClsSegParams(0.4, 8, false);
    }

    /** {@code generate_cams_coco.py}: threshold 0.7, maps {@code [-8:]}. */
    public static ClsSegParams coco() {
        return new ClsSegParams(0.7, 8, true);
    }

    /** The first and one-past-last block whose maps CAA averages, for a model of {@code layers} blocks. */
    int[] layerRange(int layers) {
        int from = Math.max(0, layers - attentionLayers);
        return new int[] {from, includeLastLayer ? layers : layers - 1};
    }
}
