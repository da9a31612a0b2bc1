package io.tagclip.streams;

import io.tagclip.avro.ImageRef;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.header.Header;

/**
 * Upper bounds on the fields of an input event and on every output record. An event past an input limit becomes an
 * {@code INVALID_EVENT} dead letter naming the field and the limit; an output past {@code maxOutputBytes} is replaced
 * by a dead letter before it reaches the producer, whose {@code RecordTooLargeException} would otherwise fail the
 * transaction on every retry (a poison pill). Dead letters themselves are bounded: their message, id, URI and raw
 * value are cut to these limits, and the message says what was cut.
 *
 * @param maxIdBytes          UTF-8 bytes of {@code ImageRef.id}; the id becomes the output key and is repeated in the value
 * @param maxUriChars         characters of {@code ImageRef.uri}
 * @param maxHeaders          entries of {@code ImageRef.headers}; and, counted apart, the input record's Kafka headers
 * @param maxHeaderBytes      UTF-8 bytes of all header names and values together; and, counted apart, the bytes of
 *                            the record's Kafka header keys and values
 * @param maxLabels           entries of {@code ImageRef.labels}
 * @param maxNameChars        characters of one label, of {@code vocabularyId} and of {@code contentType}
 * @param maxRawValueBytes    bytes of an unparseable input kept in the dead letter's {@code rawValue}
 * @param maxOutputBytes      serialized key + value + record overhead of one output record; keep it below the
 *                            producer's {@code max.request.size} and the output topics' {@code max.message.bytes}
 * @param maxExtraLabels      entries of {@code ImageRef.extraLabels}: each new one costs a text embedding
 * @param maxExtraLabelChars  characters of one extra label (it goes into prompts of CLIP's 77-token context)
 */
public record EventLimits(
        int maxIdBytes,
        int maxUriChars,
        int maxHeaders,
        int maxHeaderBytes,
        int maxLabels,
        int maxNameChars,
        int maxRawValueBytes,
        int maxOutputBytes,
        int maxExtraLabels,
        int maxExtraLabelChars) {

    /** Default extra labels per event: 16. */
    public static final int DEFAULT_MAX_EXTRA_LABELS = 16;

    /** Default characters of an extra label: 64. */
    public static final int DEFAULT_MAX_EXTRA_LABEL_CHARS = 64;

    /** Longest dead-letter message; a longer one (an exception naming a huge value) is cut. */
    public static final int MAX_MESSAGE_CHARS = 2048;

    /**
     * Bytes Kafka adds to a record's key and value in the producer's size check (record batch header 61 bytes,
     * record header at most 21): a margin so that a record passing our check also passes the producer's.
     */
    static final int RECORD_OVERHEAD_BYTES = 128;

    /** Smallest sensible output limit: a dead letter with every field at its limit must still fit. */
    static final int MIN_OUTPUT_BYTES = 16 * 1024;

    public EventLimits {
        positive(maxIdBytes, "maxIdBytes");
        positive(maxUriChars, "maxUriChars");
        positive(maxHeaders, "maxHeaders");
        positive(maxHeaderBytes, "maxHeaderBytes");
        positive(maxLabels, "maxLabels");
        positive(maxNameChars, "maxNameChars");
        if (maxExtraLabels < 0) {
            throw new IllegalArgumentException("maxExtraLabels must be >= 0, got " + maxExtraLabels);
        }
        positive(maxExtraLabelChars, "maxExtraLabelChars");
        if (maxRawValueBytes < 0) {
            throw new IllegalArgumentException("maxRawValueBytes must be >= 0, got " + maxRawValueBytes);
        }
        long deadLetterBound = (long) maxIdBytes
                + 4L * maxUriChars
                + maxHeaderBytes
                + maxRawValueBytes
                + 4L * MAX_MESSAGE_CHARS
                + MIN_OUTPUT_BYTES / 4;
        if (maxOutputBytes < MIN_OUTPUT_BYTES || maxOutputBytes < deadLetterBound) {
            throw new IllegalArgumentException("maxOutputBytes " + maxOutputBytes + " is too small: a dead letter with"
                    + " id, URI, headers and raw value at their limits needs up to " + deadLetterBound + " bytes");
        }
    }

    /** Limits with the default bounds on extra labels. */
    public EventLimits(
            int maxIdBytes,
            int maxUriChars,
            int maxHeaders,
            int maxHeaderBytes,
            int maxLabels,
            int maxNameChars,
            int maxRawValueBytes,
            int maxOutputBytes) {
        this(
                maxIdBytes,
                maxUriChars,
                maxHeaders,
                maxHeaderBytes,
                maxLabels,
                maxNameChars,
                maxRawValueBytes,
                maxOutputBytes,
                DEFAULT_MAX_EXTRA_LABELS,
                DEFAULT_MAX_EXTRA_LABEL_CHARS);
    }

    /**
     * The defaults: 1 KiB ids, 8 Ki-character URIs, 64 headers in 16 KiB, 1,024 labels, 256-character names, 64 KiB
     * of raw value, and 1,000,000-byte outputs (Kafka's default {@code max.request.size} is 1,048,576).
     */
    public static EventLimits defaults() {
        return new EventLimits(1024, 8192, 64, 16 * 1024, 1024, 256, 64 * 1024, 1_000_000);
    }

    /** What is wrong with {@code ref}, naming the field, its size and the limit; empty when every field is in bounds. */
    public Optional<String> violation(ImageRef ref) {
        int idBytes = utf8Bytes(ref.getId());
        if (idBytes > maxIdBytes) {
            return Optional.of("id of " + idBytes + " bytes exceeds the limit of " + maxIdBytes + " (starts with '"
                    + EventMapper.cut(ref.getId(), 40) + "')");
        }
        if (ref.getUri().length() > maxUriChars) {
            return Optional.of("uri of " + ref.getUri().length() + " characters exceeds the limit of " + maxUriChars
                    + " (starts with '" + EventMapper.cut(ref.getUri(), 60) + "')");
        }
        Optional<String> name =
                name("contentType", ref.getContentType()).or(() -> name("vocabularyId", ref.getVocabularyId()));
        if (name.isPresent()) {
            return name;
        }
        List<String> labels = ref.getLabels();
        if (labels != null) {
            if (labels.size() > maxLabels) {
                return Optional.of(labels.size() + " labels exceed the limit of " + maxLabels);
            }
            for (String label : labels) {
                Optional<String> bad = name("label", label);
                if (bad.isPresent()) {
                    return bad;
                }
            }
        }
        List<String> extras = ref.getExtraLabels();
        if (extras != null) {
            if (extras.size() > maxExtraLabels) {
                return Optional.of(extras.size() + " extraLabels exceed the limit of " + maxExtraLabels
                        + " (tagger.limits.max-extra-labels)");
            }
            for (String extra : extras) {
                if (extra.isBlank()) {
                    return Optional.of("an extra label is blank");
                }
                if (extra.length() > maxExtraLabelChars) {
                    return Optional.of("extra label of " + extra.length() + " characters exceeds the limit of "
                            + maxExtraLabelChars + " (tagger.limits.max-extra-label-chars; starts with '"
                            + EventMapper.cut(extra, 40) + "')");
                }
            }
        }
        Map<String, String> headers = ref.getHeaders();
        if (headers.size() > maxHeaders) {
            return Optional.of(headers.size() + " headers exceed the limit of " + maxHeaders);
        }
        long headerBytes = headerBytes(headers);
        if (headerBytes > maxHeaderBytes) {
            return Optional.of("headers of " + headerBytes + " bytes exceed the limit of " + maxHeaderBytes);
        }
        return Optional.empty();
    }

    /**
     * What is wrong with the Kafka headers of an input record, which are copied onto its output and kept in its dead
     * letter: more than {@code maxHeaders} of them, or more than {@code maxHeaderBytes} of keys and values; empty when
     * they are within both.
     */
    public Optional<String> recordHeaderViolation(List<Header> headers) {
        if (headers.size() > maxHeaders) {
            return Optional.of(headers.size() + " record headers exceed the limit of " + maxHeaders);
        }
        long bytes = recordHeaderBytes(headers);
        if (bytes > maxHeaderBytes) {
            return Optional.of("record headers of " + bytes + " bytes exceed the limit of " + maxHeaderBytes);
        }
        return Optional.empty();
    }

    /** UTF-8 bytes of the keys of Kafka {@code headers} and bytes of their values. */
    static long recordHeaderBytes(Iterable<Header> headers) {
        long bytes = 0;
        for (Header h : headers) {
            bytes += utf8Bytes(h.key()) + (h.value() == null ? 0 : h.value().length);
        }
        return bytes;
    }

    /** UTF-8 bytes of all names and values of {@code headers}. */
    static long headerBytes(Map<String, String> headers) {
        long bytes = 0;
        for (Map.Entry<String, String> e : headers.entrySet()) {
            bytes += utf8Bytes(e.getKey()) + utf8Bytes(e.getValue());
        }
        return bytes;
    }

    static int utf8Bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    private Optional<String> name(String field, String value) {
        if (value != null && value.length() > maxNameChars) {
            return Optional.of(field + " of " + value.length() + " characters exceeds the limit of " + maxNameChars
                    + " (starts with '" + EventMapper.cut(value, 40) + "')");
        }
        return Optional.empty();
    }

    private static void positive(int value, String name) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + value);
        }
    }
}
