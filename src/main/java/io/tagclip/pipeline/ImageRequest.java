package io.tagclip.pipeline;

import io.tagclip.image.RgbImage;
import java.util.List;
import java.util.Objects;

/**
 * One image to tag.
 *
 * @param id           caller's identifier, echoed in the result
 * @param image        decoded pixels
 * @param vocabularyId vocabulary to tag with, or {@code null} for the pipeline's default
 * @param labels       restrict reported tags to these labels; empty means all labels of the vocabulary
 * @param extraLabels  labels to score besides the vocabulary's (open vocabulary), always reported; empty: none
 */
public record ImageRequest(
        String id, RgbImage image, String vocabularyId, List<String> labels, List<String> extraLabels) {

    public ImageRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(image, "image");
        labels = labels == null ? List.of() : List.copyOf(labels);
        extraLabels = extraLabels == null ? List.of() : List.copyOf(extraLabels);
    }

    /** A request without extra labels. */
    public ImageRequest(String id, RgbImage image, String vocabularyId, List<String> labels) {
        this(id, image, vocabularyId, labels, List.of());
    }

    public static ImageRequest of(String id, RgbImage image) {
        return new ImageRequest(id, image, null, List.of());
    }
}
