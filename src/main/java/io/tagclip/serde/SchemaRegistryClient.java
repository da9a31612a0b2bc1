package io.tagclip.serde;

import org.apache.avro.Schema;

/**
 * The parts of the Confluent Schema Registry API that a serde needs. Implementations are thread-safe and cache
 * what never changes (a schema's id under a subject, the schema of an id).
 *
 * <p>Every method throws {@link SerdeException} when the registry refuses or cannot be reached; its message names
 * the subject or id and, for a REST registry, the URL and the registry's own error.
 */
public interface SchemaRegistryClient extends AutoCloseable {

    /** Registers the schema under the subject (a no-op when it is there already) and returns its id. */
    int register(String subject, Schema schema);

    /** The id of a schema already registered under the subject; error code 40401/40403 when it is not. */
    int idOf(String subject, Schema schema);

    /** The subject's latest version; error code 40401 when the subject does not exist. */
    RegisteredSchema latest(String subject);

    /** The schema with this registry-wide id; error code 40403 when there is none. */
    Schema schemaById(int id);

    /** Releases connections; the default has none to release. */
    @Override
    default void close() {}

    /** The registry the settings name: the in-memory one for {@code mock://scope}, the REST client otherwise. */
    static SchemaRegistryClient create(SerdeConfig config) {
        return config.mockScope()
                .<SchemaRegistryClient>map(MockSchemaRegistry::forScope)
                .orElseGet(() -> new RestSchemaRegistryClient(config));
    }
}
