package io.tagclip.tagging;

/**
 * Optional additions to the reference's tag rule, all off by default.
 *
 * @param absoluteFloor a tag also needs {@code score >= absoluteFloor}; 0 (the default) never removes a tag because
 *                      scores are probabilities. The floor also applies to the at-least-one fallback.
 * @param topK          keep at most this many tags, highest scores first; 0 (the default) keeps all
 */
public record DecisionOptions(float absoluteFloor, int topK) {

    /** The reference's rule unchanged. */
    public static final DecisionOptions REFERENCE = new DecisionOptions(0f, 0);

    public DecisionOptions {
        if (!(absoluteFloor >= 0f && absoluteFloor <= 1f)) {
            throw new IllegalArgumentException("absoluteFloor must be in [0,1], got " + absoluteFloor);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must not be negative, got " + topK);
        }
    }
}
