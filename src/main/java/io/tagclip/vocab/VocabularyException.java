package io.tagclip.vocab;

/** A vocabulary file or name is invalid; the message names the line and the bad value. */
public final class VocabularyException extends RuntimeException {

    public VocabularyException(String message) {
        super(message);
    }

    public VocabularyException(String message, Throwable cause) {
        super(message, cause);
    }
}
