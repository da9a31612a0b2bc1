package io.tagclip.streams;

import io.tagclip.avro.BoundingBox;
import io.tagclip.avro.FailureReason;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageSource;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.avro.KafkaHeader;
import io.tagclip.avro.SegmentMask;
import io.tagclip.avro.Tag;
import io.tagclip.avro.Timings;
import io.tagclip.avro.TrainingSample;
import io.tagclip.fetch.SourceMetadata;
import io.tagclip.pipeline.Box;
import io.tagclip.pipeline.Mask;
import io.tagclip.pipeline.OnlineSample;
import io.tagclip.pipeline.TagResult;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Builds the outgoing Avro events from outcomes and the Kafka headers they carry, and keeps dead letters within
 * {@link EventLimits}.
 */
final class EventMapper {

    /** Confluent wire-format prefix: magic byte and 4-byte schema id. */
    private static final int WIRE_HEADER_BYTES = 5;

    /** Most bytes Kafka spends on one header's key and value lengths (two varints of at most 5 bytes). */
    static final int HEADER_LENGTH_BYTES = 10;

    private EventMapper() {}

    static ImageTags tags(PendingRef pending, Outcome.Tagged outcome, long flushStartMillis, long nowMillis) {
        TagResult.Tagged result = outcome.result();
        TagResult.Provenance p = result.provenance();
        return ImageTags.newBuilder()
                .setId(pending.ref().getId())
                .setUri(pending.ref().getUri())
                .setTags(result.tags().stream().map(EventMapper::tag).toList())
                .setMethod(p.method())
                .setModelId(p.modelId())
                .setModelRevision(p.modelRevision())
                .setVocabularyId(p.vocabularyId())
                .setVocabularyVersion(p.vocabularyVersion())
                .setParamsVersion(p.paramsVersion())
                .setTimings(Timings.newBuilder()
                        .setQueueMs(Math.max(0, flushStartMillis - pending.timestamp()))
                        .setFetchMs(outcome.fetchMillis())
                        .setInferenceMs(result.inferenceMillis())
                        .build())
                .setProcessedAt(Instant.ofEpochMilli(nowMillis))
                .setHeaders(Map.copyOf(pending.ref().getHeaders()))
                .setSource(source(outcome.source()))
                .build();
    }

    private static ImageSource source(SourceMetadata s) {
        return s == null ? null : new ImageSource(s.etag(), s.versionId(), s.sha256());
    }

    /** The Avro record of an online training sample of image {@code id}. */
    static TrainingSample sample(String id, OnlineSample sample, long nowMillis) {
        return TrainingSample.newBuilder()
                .setId(id)
                .setModelId(sample.modelId())
                .setModelRevision(sample.modelRevision())
                .setImageSize(sample.imageSize())
                .setVocabularyId(sample.vocabularyId())
                .setVocabularyVersion(sample.vocabularyVersion())
                .setTeacher(sample.teacher())
                .setFeatures(floats(sample.features()))
                .setScores(floats(sample.scores()))
                .setRecordedAt(Instant.ofEpochMilli(nowMillis))
                .build();
    }

    private static List<Float> floats(float[] values) {
        List<Float> list = new ArrayList<>(values.length);
        for (float v : values) {
            list.add(v);
        }
        return list;
    }

    static ImageTagFailure failure(PendingRef pending, Outcome.Failed outcome, long nowMillis) {
        return ImageTagFailure.newBuilder()
                .setId(pending.ref().getId())
                .setUri(pending.ref().getUri())
                .setReason(outcome.reason())
                .setReasonName(outcome.reasonName())
                .setMessage(outcome.message())
                .setAttempt(outcome.attempt())
                .setFailedAt(Instant.ofEpochMilli(nowMillis))
                .setSourceTopic(pending.topic())
                .setSourcePartition(pending.partition())
                .setSourceOffset(pending.offset())
                .setHeaders(Map.copyOf(pending.ref().getHeaders()))
                .setInput(ImageRef.newBuilder(pending.ref()).build())
                .setRecordHeaders(kafkaHeaders(pending.headers()))
                .build();
    }

    /** Kafka {@code headers} as a dead letter keeps them: in order, repeated keys and null values included. */
    static List<KafkaHeader> kafkaHeaders(List<Header> headers) {
        List<KafkaHeader> kept = new ArrayList<>(headers.size());
        for (Header h : headers) {
            kept.add(new KafkaHeader(
                    h.key(),
                    h.value() == null ? null : ByteBuffer.wrap(h.value().clone())));
        }
        return kept;
    }

    /**
     * The Kafka headers of a tag event: the input record's, in order, except those under
     * {@link DeadLetterHeaders#PREFIX}, which describe an earlier failure.
     */
    static Headers outputHeaders(List<Header> input) {
        RecordHeaders out = new RecordHeaders();
        for (Header h : input) {
            if (!DeadLetterHeaders.isErrorHeader(h.key())) {
                out.add(h.key(), h.value());
            }
        }
        return out;
    }

    /**
     * The Kafka headers of a dead letter: the input record's as the letter keeps them in {@code recordHeaders} (none
     * when it dropped them), except those under {@link DeadLetterHeaders#PREFIX}; then this failure's error headers.
     */
    static Headers deadLetterHeaders(ImageTagFailure letter) {
        RecordHeaders out = new RecordHeaders();
        if (letter.getRecordHeaders() != null) {
            for (KafkaHeader h : letter.getRecordHeaders()) {
                if (!DeadLetterHeaders.isErrorHeader(h.getKey())) {
                    out.add(h.getKey(), h.getValue() == null ? null : bytes(h.getValue()));
                }
            }
        }
        if (letter.getSourceTopic() != null) {
            out.add(DeadLetterHeaders.TOPIC, utf8(letter.getSourceTopic()));
        }
        if (letter.getSourcePartition() != null) {
            out.add(DeadLetterHeaders.PARTITION, utf8(String.valueOf(letter.getSourcePartition())));
        }
        if (letter.getSourceOffset() != null) {
            out.add(DeadLetterHeaders.OFFSET, utf8(String.valueOf(letter.getSourceOffset())));
        }
        out.add(DeadLetterHeaders.EXCEPTION_MESSAGE, utf8(letter.getMessage()));
        out.add(DeadLetterHeaders.REASON, utf8(letter.getReasonName()));
        return out;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return bytes;
    }

    /** The dead letter of a record that did not parse and had no Kafka headers. */
    static ImageTagFailure invalidEvent(
            String id,
            String topic,
            int partition,
            long offset,
            byte[] rawKey,
            byte[] raw,
            String message,
            long nowMillis,
            EventLimits limits) {
        return invalidEvent(id, null, List.of(), topic, partition, offset, rawKey, raw, message, nowMillis, limits);
    }

    /**
     * The dead letter of an input that is not a usable {@code ImageRef}; {@code id} is the record's key (or the
     * parsed id) when there is one, {@code input} the parsed event when it parsed (past a limit), {@code headers}
     * the record's Kafka headers; {@code raw} is kept up to {@code maxRawValueBytes}.
     */
    static ImageTagFailure invalidEvent(
            String id,
            ImageRef input,
            List<Header> headers,
            String topic,
            int partition,
            long offset,
            byte[] rawKey,
            byte[] raw,
            String message,
            long nowMillis,
            EventLimits limits) {
        String text = message;
        byte[] kept = raw;
        if (raw != null && raw.length > limits.maxRawValueBytes()) {
            kept = Arrays.copyOf(raw, limits.maxRawValueBytes());
            text = text + " (rawValue holds the first " + kept.length + " of " + raw.length + " bytes)";
        }
        byte[] keptKey = rawKey;
        if (rawKey != null && rawKey.length > limits.maxRawValueBytes()) {
            keptKey = Arrays.copyOf(rawKey, limits.maxRawValueBytes());
            text = text + " (rawKey holds the first " + keptKey.length + " of " + rawKey.length + " bytes)";
        }
        return ImageTagFailure.newBuilder()
                .setId(id)
                .setReason(FailureReason.INVALID_EVENT)
                .setReasonName(FailureReason.INVALID_EVENT.name())
                .setMessage(text)
                .setAttempt(1)
                .setFailedAt(Instant.ofEpochMilli(nowMillis))
                .setSourceTopic(topic)
                .setSourcePartition(partition)
                .setSourceOffset(offset)
                .setRawValue(kept == null ? null : ByteBuffer.wrap(kept))
                .setRawKey(keptKey == null ? null : ByteBuffer.wrap(keptKey))
                .setInput(input == null ? null : ImageRef.newBuilder(input).build())
                .setRecordHeaders(kafkaHeaders(headers))
                .build();
    }

    /**
     * {@code failure} with every free-size field within {@code limits}: the message cut to
     * {@link EventLimits#MAX_MESSAGE_CHARS}, an id or URI past its limit dropped, headers past theirs dropped, the
     * input dropped when one of its fields is past its limit (the event is then in {@code rawValue}), the record's
     * headers dropped past the header limits; what was dropped is said at the end of the message.
     */
    static ImageTagFailure bounded(ImageTagFailure failure, EventLimits limits) {
        ImageTagFailure.Builder b = ImageTagFailure.newBuilder(failure);
        StringBuilder dropped = new StringBuilder();
        if (failure.getId() != null && EventLimits.utf8Bytes(failure.getId()) > limits.maxIdBytes()) {
            b.setId(null);
            dropped.append("; id dropped (")
                    .append(EventLimits.utf8Bytes(failure.getId()))
                    .append(" bytes)");
        }
        if (failure.getUri() != null && failure.getUri().length() > limits.maxUriChars()) {
            b.setUri(null);
            dropped.append("; uri dropped (").append(failure.getUri().length()).append(" characters)");
        }
        if (failure.getHeaders().size() > limits.maxHeaders()
                || EventLimits.headerBytes(failure.getHeaders()) > limits.maxHeaderBytes()) {
            b.setHeaders(Map.of());
            dropped.append("; headers dropped (")
                    .append(failure.getHeaders().size())
                    .append(" entries)");
        }
        if (failure.getInput() != null && limits.violation(failure.getInput()).isPresent()) {
            b.setInput(null);
            dropped.append("; input dropped (past an input limit)");
        }
        List<KafkaHeader> recordHeaders = failure.getRecordHeaders();
        if (recordHeaders != null) {
            long bytes = 0;
            for (KafkaHeader h : recordHeaders) {
                bytes += EventLimits.utf8Bytes(h.getKey())
                        + (h.getValue() == null ? 0 : h.getValue().remaining());
            }
            if (recordHeaders.size() > limits.maxHeaders() || bytes > limits.maxHeaderBytes()) {
                b.setRecordHeaders(null);
                dropped.append("; recordHeaders dropped (")
                        .append(recordHeaders.size())
                        .append(" entries, ")
                        .append(bytes)
                        .append(" bytes)");
            }
        }
        String suffix = dropped.toString();
        b.setMessage(cut(failure.getMessage(), EventLimits.MAX_MESSAGE_CHARS - suffix.length()) + suffix);
        return b.build();
    }

    /** {@code text} cut to at most {@code maxChars} characters, marked with an ellipsis when cut. */
    static String cut(String text, int maxChars) {
        if (text.length() <= maxChars) {
            return text;
        }
        int end = Math.max(0, maxChars - 1);
        if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--; // never split a surrogate pair
        }
        return text.substring(0, end) + "\u2026";
    }

    /**
     * Bytes the producer will count for this record: the key's UTF-8 bytes, the value in the Confluent wire format
     * (5-byte header + Avro binary) and Kafka's per-record overhead.
     */
    static long recordBytes(String key, SpecificRecord value) {
        long keyBytes = key == null ? 0 : key.getBytes(StandardCharsets.UTF_8).length;
        return keyBytes + WIRE_HEADER_BYTES + avroBytes(value) + EventLimits.RECORD_OVERHEAD_BYTES;
    }

    /**
     * {@link #recordBytes(String, SpecificRecord)} of a record with Kafka {@code headers}: each header adds its key's
     * UTF-8 bytes, its value's bytes and at most {@value #HEADER_LENGTH_BYTES} bytes of lengths (two varints).
     */
    static long recordBytes(String key, SpecificRecord value, Headers headers) {
        long bytes = recordBytes(key, value);
        for (Header h : headers) {
            bytes += HEADER_LENGTH_BYTES + EventLimits.utf8Bytes(h.key()) + (h.value() == null ? 0 : h.value().length);
        }
        return bytes;
    }

    private static long avroBytes(SpecificRecord value) {
        CountingStream counter = new CountingStream();
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(counter, null);
        try {
            new SpecificDatumWriter<SpecificRecord>(value.getSchema()).write(value, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot size " + value.getSchema().getName(), e);
        }
        return counter.count;
    }

    /** Counts bytes and keeps none. */
    private static final class CountingStream extends OutputStream {
        private long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }

    @SuppressWarnings("checkstyle:inlineQualifiedName") // the pipeline's Tag beside the Avro one
    private static Tag tag(io.tagclip.pipeline.Tag tag) {
        Box b = tag.box();
        return Tag.newBuilder()
                .setLabel(tag.label())
                .setScore(tag.score())
                .setBox(b == null ? null : new BoundingBox(b.x0(), b.y0(), b.x1(), b.y1()))
                .setMask(mask(tag.mask()))
                .setAdHoc(tag.adHoc())
                .build();
    }

    private static SegmentMask mask(Mask m) {
        return m == null ? null : new SegmentMask(List.of(m.height(), m.width()), m.counts(), (float) m.coverage());
    }
}
