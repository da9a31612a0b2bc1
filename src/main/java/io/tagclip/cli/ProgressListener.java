package io.tagclip.cli;

/** Receives how far a unit of work (images tagged, bytes downloaded, rows computed) has come. */
@FunctionalInterface
interface ProgressListener {

    /**
     * @param done  units done so far
     * @param total units in all, or 0 (or less) when unknown
     */
    void update(long done, long total);
}
