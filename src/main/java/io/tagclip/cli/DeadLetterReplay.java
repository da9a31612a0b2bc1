package io.tagclip.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.KafkaHeader;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Dead letters as {@code consume --topic image-refs-dlq} prints them, one JSON object a line, turned back into the
 * input records that failed: each letter's {@code input} as the {@code ImageRef} value, keyed by its id, with the
 * input record's Kafka headers ({@code recordHeaders}), so the replayed event keeps its vocabulary, labels, content
 * type, producer time, tracing attributes and {@code traceparent}.
 */
final class DeadLetterReplay {

    private static final ObjectMapper JSON = new ObjectMapper();

    private DeadLetterReplay() {}

    /**
     * One line of dead letters: the record that replays it, or (with {@code record} null) why there is none.
     *
     * @param line    line number, from 1
     * @param letter  the letter's source and reason, as {@code image-refs-0@12 UNKNOWN_VOCABULARY}, for messages
     * @param record  the input record to produce again, or null
     * @param skipped why the line replays nothing, or null
     */
    record Entry(int line, String letter, ProducerRecord<String, ImageRef> record, String skipped) {}

    /** The entry of line {@code line}, {@code text}, producing to {@code topic}. */
    static Entry parse(int line, String text, String topic) {
        JsonNode letter;
        try {
            letter = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return new Entry(line, "?", null, "not JSON: " + e.getOriginalMessage());
        }
        if (letter == null || !letter.isObject()) {
            return new Entry(line, "?", null, "not a dead letter (a JSON object as consume prints it)");
        }
        String where = text(letter, "sourceTopic") + "-" + text(letter, "sourcePartition") + "@"
                + text(letter, "sourceOffset") + " " + text(letter, "reasonName");
        JsonNode input = letter.get("input");
        if (input == null || input.isNull()) {
            return new Entry(line, where, null, whyNoInput(letter));
        }
        ImageRef ref;
        List<?> headers;
        try {
            ref = (ImageRef) AvroJson.fromJson(
                    input, ImageTagFailure.getClassSchema().getField("input").schema());
            headers = (List<?>) AvroJson.fromJson(
                    letter.get("recordHeaders"),
                    ImageTagFailure.getClassSchema().getField("recordHeaders").schema());
        } catch (IllegalArgumentException e) {
            return new Entry(line, where, null, "not a dead letter of this version: " + e.getMessage());
        }
        RecordHeaders kafkaHeaders = new RecordHeaders();
        if (headers != null) {
            for (Object item : headers) {
                KafkaHeader h = (KafkaHeader) item;
                kafkaHeaders.add(h.getKey(), h.getValue() == null ? null : bytes(h.getValue()));
            }
        }
        return new Entry(line, where, new ProducerRecord<>(topic, null, ref.getId(), ref, kafkaHeaders), null);
    }

    private static String whyNoInput(JsonNode letter) {
        JsonNode raw = letter.get("rawValue");
        if (raw != null && !raw.isNull()) {
            return "its input could not be parsed (the producer's bytes are in rawValue): fix the producer instead";
        }
        if (!letter.has("input")) {
            return "written before dead letters kept their input: produce it by hand (id, uri, and the vocabulary"
                    + " the message names)";
        }
        return "it keeps no input (dropped for a limit, as its message says)";
    }

    private static String text(JsonNode letter, String field) {
        JsonNode value = letter.get(field);
        return value == null || value.isNull() ? "?" : value.asText();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return bytes;
    }
}
