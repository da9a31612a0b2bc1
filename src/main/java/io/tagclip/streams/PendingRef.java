package io.tagclip.streams;

import io.tagclip.avro.ImageRef;
import java.util.Objects;

/**
 * A parsed reference waiting in the batch buffer, with where it came from (for the dead-letter record and for
 * keeping input order) and its record timestamp (for the queue time).
 */
public record PendingRef(String topic, int partition, long offset, long timestamp, ImageRef ref) {

    public PendingRef {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(ref, "ref");
    }
}
