package io.tagclip.streams;

import io.tagclip.avro.ImageRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * A parsed reference waiting in the batch buffer, with where it came from (for the dead-letter record and for
 * keeping input order), its record timestamp (for the queue time) and its record's Kafka headers (copied onto the
 * output, and kept in a dead letter for replay), in their order, repeated keys and null values included.
 */
public record PendingRef(String topic, int partition, long offset, long timestamp, ImageRef ref, List<Header> headers) {

    public PendingRef {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(ref, "ref");
        headers = List.copyOf(headers);
    }

    /** A reference whose record had no headers. */
    public PendingRef(String topic, int partition, long offset, long timestamp, ImageRef ref) {
        this(topic, partition, offset, timestamp, ref, List.of());
    }

    /**
     * The headers of an input record, copied: Kafka may reuse a record's headers, and the buffered reference
     * outlives it.
     */
    public static List<Header> copyOf(Headers headers) {
        if (headers == null) {
            return List.of();
        }
        List<Header> copy = new ArrayList<>();
        for (Header h : headers) {
            copy.add(new RecordHeader(
                    h.key(), h.value() == null ? null : h.value().clone()));
        }
        return List.copyOf(copy);
    }
}
