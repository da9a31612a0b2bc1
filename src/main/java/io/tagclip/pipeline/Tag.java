package io.tagclip.pipeline;

import java.util.Objects;

/**
 * A label assigned to an image.
 *
 * @param label the vocabulary's label name
 * @param score the method's score in [0,1]
 * @param box   where the label was found, or {@code null} when boxes are off
 * @param mask  its pixels (classify-then-segment), or {@code null} when masks are off
 * @param adHoc the request named the label in its extra labels and the vocabulary does not have it
 */
public record Tag(String label, float score, Box box, Mask mask, boolean adHoc) {

    public Tag {
        Objects.requireNonNull(label, "label");
    }

    /** A tag of the vocabulary. */
    public Tag(String label, float score, Box box, Mask mask) {
        this(label, score, box, mask, false);
    }

    /** A tag of the vocabulary without a mask. */
    public Tag(String label, float score, Box box) {
        this(label, score, box, null, false);
    }

    /** This tag with {@code mask}. */
    public Tag withMask(Mask mask) {
        return new Tag(label, score, box, mask, adHoc);
    }
}
