package io.tagclip.eval;

import java.util.List;
import java.util.Objects;

/**
 * One line of a split file: an image id and its positive class indices (0-based, ascending, distinct).
 *
 * @param imageId the image's file name without extension, as written in the split file
 * @param labels the positive classes; may be empty
 */
public record SplitEntry(String imageId, List<Integer> labels) {

    public SplitEntry {
        Objects.requireNonNull(imageId, "imageId");
        if (imageId.isBlank()) {
            throw new IllegalArgumentException("image id must not be blank");
        }
        labels = labels.stream().sorted().distinct().toList();
        if (!labels.isEmpty() && labels.get(0) < 0) {
            throw new IllegalArgumentException("class indices must be >= 0, got " + labels.get(0) + " for " + imageId);
        }
    }
}
