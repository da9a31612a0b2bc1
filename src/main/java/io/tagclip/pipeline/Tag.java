package io.tagclip.pipeline;

import java.util.Objects;

/**
 * A label assigned to an image.
 *
 * @param label the vocabulary's label name
 * @param score the method's score in [0,1]
 * @param box   where the label was found, or {@code null} when boxes are off
 */
public record Tag(String label, float score, Box box) {

    public Tag {
        Objects.requireNonNull(label, "label");
    }
}
