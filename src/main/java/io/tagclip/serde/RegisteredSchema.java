package io.tagclip.serde;

import java.util.Objects;
import org.apache.avro.Schema;

/**
 * One version of a subject in the registry.
 *
 * @param subject the subject, e.g. {@code image-refs-value}
 * @param id      the registry-wide schema id that framed payloads carry
 * @param version the version of the schema within its subject, from 1
 * @param schema  the parsed Avro schema
 */
public record RegisteredSchema(String subject, int id, int version, Schema schema) {

    public RegisteredSchema {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(schema, "schema");
    }
}
