package io.tagclip.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;

/**
 * Avro values as plain JSON for people and {@code jq}: unions unwrapped to their value, enums and timestamps as
 * text, bytes as base64 (unlike Avro's own JSON encoding, which wraps every union branch); and back, so that what
 * {@code consume} printed can be produced again.
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

    /**
     * The value of {@code schema} that {@link #toJson} printed as {@code node}: a record as an instance of its
     * generated class (fields missing from the JSON take their defaults, fields the schema does not know are
     * ignored), a timestamp-millis from its text, bytes from base64. A union takes its first branch the JSON fits.
     *
     * @throws IllegalArgumentException naming the path of the first value that does not fit the schema
     */
    static Object fromJson(JsonNode node, Schema schema) {
        return fromJson(node, schema, "$");
    }

    private static Object fromJson(JsonNode node, Schema schema, String path) {
        boolean absent = node == null || node.isNull();
        switch (schema.getType()) {
            case NULL:
                if (!absent) {
                    throw mismatch(path, "null", node);
                }
                return null;
            case UNION: {
                IllegalArgumentException first = null;
                for (Schema branch : schema.getTypes()) {
                    try {
                        return fromJson(node, branch, path);
                    } catch (IllegalArgumentException e) {
                        if (first == null && (branch.getType() != Schema.Type.NULL || absent)) {
                            first = e; // the first branch of the JSON's kind says best what is wrong
                        }
                    }
                }
                throw first != null ? first : mismatch(path, "a branch of " + schema, node);
            }
            default:
                if (absent) {
                    throw mismatch(path, schema.getType().getName(), node);
                }
                return present(node, schema, path);
        }
    }

    private static Object present(JsonNode node, Schema schema, String path) {
        switch (schema.getType()) {
            case RECORD:
                return record(node, schema, path);
            case ARRAY: {
                require(node.isArray(), path, "array", node);
                List<Object> items = new ArrayList<>(node.size());
                for (int i = 0; i < node.size(); i++) {
                    items.add(fromJson(node.get(i), schema.getElementType(), path + "[" + i + "]"));
                }
                return items;
            }
            case MAP: {
                require(node.isObject(), path, "object", node);
                Map<String, Object> map = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    map.put(e.getKey(), fromJson(e.getValue(), schema.getValueType(), path + "." + e.getKey()));
                }
                return map;
            }
            case STRING:
                require(node.isTextual(), path, "string", node);
                return node.asText();
            case ENUM:
                require(node.isTextual() && schema.hasEnumSymbol(node.asText()), path, schema.getName(), node);
                return SpecificData.getForSchema(schema).createEnum(node.asText(), schema);
            case BYTES:
                require(node.isTextual(), path, "base64 text", node);
                try {
                    return ByteBuffer.wrap(Base64.getDecoder().decode(node.asText()));
                } catch (IllegalArgumentException e) {
                    throw mismatch(path, "base64 text", node);
                }
            case INT:
                require(node.canConvertToInt() && node.isIntegralNumber(), path, "int", node);
                return node.asInt();
            case LONG:
                if (schema.getLogicalType() instanceof LogicalTypes.TimestampMillis) {
                    return instant(node, path);
                }
                require(node.canConvertToLong() && node.isIntegralNumber(), path, "long", node);
                return node.asLong();
            case FLOAT:
                require(node.isNumber(), path, "float", node);
                return node.floatValue();
            case DOUBLE:
                require(node.isNumber(), path, "double", node);
                return node.doubleValue();
            case BOOLEAN:
                require(node.isBoolean(), path, "boolean", node);
                return node.asBoolean();
            default:
                throw new IllegalArgumentException(path + ": " + schema.getType() + " values are not read back");
        }
    }

    private static Object record(JsonNode node, Schema schema, String path) {
        require(node.isObject(), path, schema.getName(), node);
        SpecificData model = SpecificData.getForSchema(schema);
        IndexedRecord record = (IndexedRecord) model.newRecord(null, schema);
        for (Schema.Field field : schema.getFields()) {
            JsonNode value = node.get(field.name());
            if (value == null && field.hasDefaultValue()) {
                record.put(field.pos(), model.deepCopy(field.schema(), model.getDefaultValue(field)));
            } else if (value == null) {
                throw new IllegalArgumentException(path + "." + field.name() + ": missing, and it has no default");
            } else {
                record.put(field.pos(), fromJson(value, field.schema(), path + "." + field.name()));
            }
        }
        return record;
    }

    private static Instant instant(JsonNode node, String path) {
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return Instant.ofEpochMilli(node.asLong());
        }
        require(node.isTextual(), path, "ISO-8601 instant", node);
        try {
            return Instant.parse(node.asText());
        } catch (DateTimeParseException e) {
            throw mismatch(path, "ISO-8601 instant", node);
        }
    }

    private static void require(boolean fits, String path, String expected, JsonNode node) {
        if (!fits) {
            throw mismatch(path, expected, node);
        }
    }

    private static IllegalArgumentException mismatch(String path, String expected, JsonNode node) {
        String found = node == null ? "nothing" : node.toString();
        if (found.length() > 80) {
            found = found.substring(0, 79) + "\u2026";
        }
        return new IllegalArgumentException(path + ": expected " + expected + ", found " + found);
    }
}
