package io.tagclip.streams;

/**
 * What a {@link BatchTagger} tells about the steps of each reference of a batch, by its index in the batch; times are
 * {@link EventTracer#nowNanos()}. Called from the fetch threads too: implementations are thread-safe.
 */
public interface BatchSteps {

    /** Hears nothing. */
    BatchSteps NONE = new BatchSteps() {
        @Override
        public void fetched(int index, long startNanos, long endNanos, String failure) {}

        @Override
        public void inferred(int index, long startNanos, long endNanos, String failure) {}
    };

    /** The image of reference {@code index} was fetched and decoded, or failed to be ({@code failure}). */
    void fetched(int index, long startNanos, long endNanos, String failure);

    /** The pipeline call that held the image of reference {@code index} ran from start to end. */
    void inferred(int index, long startNanos, long endNanos, String failure);
}
