package io.tagclip.serde;

import java.util.Map;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serializer and deserializer of one generated Avro class in Confluent's wire format, sharing one registry client,
 * for Kafka Streams ({@code Consumed.with(keySerde, new SpecificAvroSerde<>(ImageRef.class))}) and plain clients.
 *
 * <pre>{@code
 * var serde = new SpecificAvroSerde<>(ImageRef.class);
 * serde.configure(Map.of("schema.registry.url", "http://127.0.0.1:8085/apis/ccompat/v7"), false);
 * }</pre>
 */
public class SpecificAvroSerde<T extends SpecificRecord> implements Serde<T> {

    private final SchemaRegistryClient injectedRegistry;
    private final SpecificAvroSerializer<T> serializer;
    private final SpecificAvroDeserializer<T> deserializer;
    private SchemaRegistryClient ownedRegistry;

    /**
     * For Kafka Streams' {@code default.key.serde}/{@code default.value.serde}, which instantiate by class name: the
     * deserializer reads into the class named by {@value SerdeConfig#SPECIFIC_AVRO_VALUE_TYPE} (or key type), else
     * the generated class named like the writer's schema.
     */
    public SpecificAvroSerde() {
        this.injectedRegistry = null;
        this.serializer = new SpecificAvroSerializer<>(null);
        this.deserializer = new SpecificAvroDeserializer<>(null, null);
    }

    public SpecificAvroSerde(Class<T> type) {
        this(type, null);
    }

    /**
     * @param type     the generated class this serde reads and writes
     * @param registry a registry client (which the caller closes), or {@code null} to build one in {@link #configure}
     */
    public SpecificAvroSerde(Class<T> type, SchemaRegistryClient registry) {
        Objects.requireNonNull(type, "type");
        this.injectedRegistry = registry;
        this.serializer = new SpecificAvroSerializer<>(registry);
        this.deserializer = new SpecificAvroDeserializer<>(type, registry);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        SerdeConfig config = SerdeConfig.from(configs);
        SchemaRegistryClient registry = injectedRegistry;
        if (registry == null) {
            ownedRegistry = SchemaRegistryClient.create(config);
            registry = ownedRegistry;
        }
        serializer.configure(config, isKey, registry, false);
        deserializer.configure(configs, isKey, registry, false);
    }

    @Override
    public Serializer<T> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<T> deserializer() {
        return deserializer;
    }

    @Override
    public void close() {
        if (ownedRegistry != null) {
            ownedRegistry.close();
        }
    }
}
