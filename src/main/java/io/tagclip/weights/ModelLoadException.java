package io.tagclip.weights;

/** A model folder, file or tensor could not be found, read or used; the message names the file or tensor. */
public class ModelLoadException extends RuntimeException {

    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
