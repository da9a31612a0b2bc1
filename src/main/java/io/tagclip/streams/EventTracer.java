package io.tagclip.streams;

import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.header.Header;

/**
 * Where the work done for one event is reported as a finished step (a tracing span), as a child of the trace its
 * input record's headers carry (a W3C {@code traceparent}), so the tagging of an image shows in its producer's trace.
 * The service implements it with OpenTelemetry outside this package; {@link #NONE} reports nothing.
 */
public interface EventTracer {

    /** The steps of one event. */
    enum Step {
        /** Fetching and decoding its image. */
        FETCH,
        /** The pipeline call its image was part of (shared by the batch: every image gets its own span). */
        INFERENCE,
        /** Handing its output (tags or dead letter) to the producer. */
        PRODUCE
    }

    /** Reports nothing and costs nothing. */
    EventTracer NONE = new EventTracer() {
        @Override
        public boolean enabled() {
            return false;
        }

        @Override
        public void finished(
                Step step, String imageId, List<Header> inputHeaders, long startNanos, long endNanos, String failure) {}
    };

    /** False when nothing is reported, so callers can skip measuring. */
    default boolean enabled() {
        return true;
    }

    /**
     * One finished step.
     *
     * @param inputHeaders the input record's headers, whose trace context the step continues
     * @param startNanos   start, in nanoseconds since the epoch ({@link #nowNanos()})
     * @param endNanos     end, likewise
     * @param failure      why the step failed, or null
     */
    void finished(Step step, String imageId, List<Header> inputHeaders, long startNanos, long endNanos, String failure);

    /** The wall clock in nanoseconds since the epoch (at the clock's resolution), as spans are timed. */
    static long nowNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
