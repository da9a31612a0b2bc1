package io.tagclip.clip;

/**
 * Hears how far a text encoding has come. The model side reports through it and never prints or logs; the command
 * line prints it, the service logs it.
 */
@FunctionalInterface
public interface TextProgress {

    /** Reports nothing. */
    TextProgress NONE = (done, total) -> {};

    /**
     * Called after every chunk of prompts, from the encoding thread.
     *
     * @param done  prompts encoded so far
     * @param total prompts of the whole call
     */
    void encoded(int done, int total);
}
