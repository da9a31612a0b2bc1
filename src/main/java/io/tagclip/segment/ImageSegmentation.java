package io.tagclip.segment;

import java.util.List;

/**
 * CLIP-ES's segmentation of one image for its labels.
 *
 * @param gridHeight patch rows h of the encoder input
 * @param gridWidth patch columns w
 * @param height original image height H0
 * @param width original image width W0
 * @param probabilities {@code logits_per_image}: the softmax over the label rows then the background rows
 * @param labels per label, in the order given
 * @param labelMap [H0*W0] row-major: 0 background, else 1 + the winning label's class index
 */
public record ImageSegmentation(
        int gridHeight,
        int gridWidth,
        int height,
        int width,
        float[] probabilities,
        List<LabelSegmentation> labels,
        byte[] labelMap) {

    public ImageSegmentation {
        labels = List.copyOf(labels);
        if (labelMap.length != height * width) {
            throw new IllegalArgumentException(
                    "label map has " + labelMap.length + " pixels for " + height + "x" + width);
        }
    }

    /** Row-major pixels whose label-map value is {@code 1 + classIndex}. */
    public boolean[] mask(int classIndex) {
        boolean[] mask = new boolean[labelMap.length];
        int value = classIndex + 1;
        for (int i = 0; i < labelMap.length; i++) {
            mask[i] = (labelMap[i] & 0xFF) == value;
        }
        return mask;
    }

    /** The share of the image's pixels labelled {@code classIndex}, in [0,1]. */
    public double coverage(int classIndex) {
        int value = classIndex + 1;
        long count = 0;
        for (byte b : labelMap) {
            if ((b & 0xFF) == value) {
                count++;
            }
        }
        return (double) count / labelMap.length;
    }
}
