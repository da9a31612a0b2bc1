package io.tagclip.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.IndexedRecord;

/**
 * Avro values as plain JSON for people and {@code jq}: unions unwrapped to their value, enums and timestamps as
 * text, bytes as base64 (unlike Avro's own JSON encoding, which wraps every union branch).
 */
final class AvroJson {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private AvroJson() {}

    static JsonNode toJson(Object value, Schema schema) {
        if (value == null) {
            return JSON.nullNode();
        }
        switch (schema.getType()) {
            case UNION:
                return toJson(value, schema.getTypes().get(GenericData.get().resolveUnion(schema, value)));
            case RECORD: {
                IndexedRecord record = (IndexedRecord) value;
                ObjectNode node = JSON.objectNode();
                for (Schema.Field field : schema.getFields()) {
                    node.set(field.name(), toJson(record.get(field.pos()), field.schema()));
                }
                return node;
            }
            case ARRAY: {
                ArrayNode node = JSON.arrayNode();
                for (Object item : (Collection<?>) value) {
                    node.add(toJson(item, schema.getElementType()));
                }
                return node;
            }
            case MAP: {
                ObjectNode node = JSON.objectNode();
                for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                    node.set(e.getKey().toString(), toJson(e.getValue(), schema.getValueType()));
                }
                return node;
            }
            case BYTES: {
                ByteBuffer buffer = ((ByteBuffer) value).duplicate();
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                return JSON.textNode(Base64.getEncoder().encodeToString(bytes));
            }
            case INT:
                return JSON.numberNode((Integer) value);
            case LONG:
                return value instanceof Instant instant
                        ? JSON.textNode(instant.toString())
                        : JSON.numberNode((Long) value);
            case FLOAT:
                return JSON.numberNode((Float) value);
            case DOUBLE:
                return JSON.numberNode((Double) value);
            case BOOLEAN:
                return JSON.booleanNode((Boolean) value);
            default: // STRING, ENUM, FIXED: their text
                return JSON.textNode(value.toString());
        }
    }
}
