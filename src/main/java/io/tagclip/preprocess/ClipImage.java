package io.tagclip.preprocess;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Objects;

/**
 * A preprocessed image: normalised float32 pixels, channel-major ({@code [3,H,W]} flattened), plus the size of the
 * original it came from so that results can be mapped back to original pixels.
 *
 * @param chw            {@code 3 * height * width} normalised values, channel, then row, then column
 * @param width          tensor width W (a multiple of the patch size in reference mode)
 * @param height         tensor height H
 * @param originalWidth  width of the decoded image before resizing
 * @param originalHeight height of the decoded image before resizing
 */
public record ClipImage(float[] chw, int width, int height, int originalWidth, int originalHeight) {

    public ClipImage {
        Objects.requireNonNull(chw, "chw");
        if (chw.length != 3L * width * height) {
            throw new IllegalArgumentException(
                    "expected 3x" + height + "x" + width + " = " + 3L * width * height + " values, got " + chw.length);
        }
    }

    /** The pixels as a {@code [3,H,W]} array owned by {@code manager}. */
    public NDArray toNDArray(NDManager manager) {
        return manager.create(chw, new Shape(3, height, width));
    }

    /** Value at channel {@code c}, row {@code y}, column {@code x}. */
    public float at(int c, int y, int x) {
        return chw[(c * height + y) * width + x];
    }
}
