package io.tagclip.eval;

/** Why an evaluation could not run: a malformed split file, a missing image, or a scorer that failed. */
public final class EvaluationException extends RuntimeException {

    public EvaluationException(String message) {
        super(message);
    }

    public EvaluationException(String message, Throwable cause) {
        super(message, cause);
    }
}
