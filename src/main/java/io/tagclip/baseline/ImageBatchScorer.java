package io.tagclip.baseline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.tagclip.image.RgbImage;
import java.util.List;

/** A method that gives every decoded image one score per dataset class. */
public interface ImageBatchScorer {

    /** Number of classes C scored. */
    int numClasses();

    /** {@code [B,C]} scores of {@code images}, owned by {@code manager}. */
    NDArray score(List<RgbImage> images, NDManager manager);
}
