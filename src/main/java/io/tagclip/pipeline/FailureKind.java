package io.tagclip.pipeline;

/** Why the pipeline could not tag one image; the Kafka side maps these onto dead-letter reasons. */
public enum FailureKind {
    /** The request named a vocabulary the pipeline does not know. */
    UNKNOWN_VOCABULARY,
    /** The request's label subset named a label that is not in the vocabulary. */
    UNKNOWN_LABEL,
    /** The model failed on this image (alone, after its batch was retried image by image). */
    INFERENCE_FAILED,
    /**
     * The image is too large for the memory budget of a forward at the size its mode runs it at (a TagCLIP first
     * pass, or the Grad-CAM pass of masks): refused before the forward, so nothing ran out of memory.
     */
    TOO_LARGE
}
