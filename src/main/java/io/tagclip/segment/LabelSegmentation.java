package io.tagclip.segment;

/**
 * One label's steps of CLIP-ES's segmentation of one image.
 *
 * @param classIndex the label's class index in the vocabulary (CLIP-ES's key; its label-map value is 1 + it)
 * @param grayscaleCam Grad-CAM map on the patch grid, [h*w] row-major, in [0,1)
 * @param boxes {@code scoremap2bbox} of that map
 * @param refined CAA-refined map on the patch grid ({@code cam_refined}), [h*w]
 * @param attnHighres the refined map min-max scaled and resized to the original size, float32, [H0*W0]
 * @param attnHighresHalf the same rounded to float16 (what CLIP-ES saves), raw half bits
 */
public record LabelSegmentation(
        int classIndex,
        float[] grayscaleCam,
        CamBoxes.Result boxes,
        float[] refined,
        float[] attnHighres,
        short[] attnHighresHalf) {}
