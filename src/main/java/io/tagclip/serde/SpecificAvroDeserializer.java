package io.tagclip.serde;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.io.DatumReader;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Confluent-framed Avro into generated classes. The writer's schema comes from the registry by the id in the
 * payload, the reader's is the generated class's own, and Avro's schema resolution bridges them: records written
 * with an older or newer compatible schema read fine.
 *
 * <p>The target class is the constructor's, else the class named by {@value SerdeConfig#SPECIFIC_AVRO_VALUE_TYPE}
 * (or {@value SerdeConfig#SPECIFIC_AVRO_KEY_TYPE}), else the generated class named like the writer's schema.
 * Thread-safe once configured. {@code null} stays {@code null} (a tombstone). Every record is read through a
 * {@link BoundedDecoder}: what it may allocate is bounded by its own size, and its strings must be valid UTF-8.
 */
public class SpecificAvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    private final Class<T> declaredType;
    private final SchemaRegistryClient injectedRegistry;
    private final ConcurrentMap<Integer, DatumReader<T>> readers = new ConcurrentHashMap<>();
    private volatile Settings<T> settings;

    private record Settings<T>(SchemaRegistryClient registry, boolean ownsRegistry, Class<T> type) {}

    /** For Kafka to instantiate by class name; the target class comes from the configuration or the writer. */
    public SpecificAvroDeserializer() {
        this(null, null);
    }

    public SpecificAvroDeserializer(Class<T> type) {
        this(type, null);
    }

    /**
     * @param type     the generated class to read into, or {@code null} to decide as the class comment says
     * @param registry a registry client (which the caller closes), or {@code null} to build one in {@link #configure}
     */
    public SpecificAvroDeserializer(Class<T> type, SchemaRegistryClient registry) {
        this.declaredType = type;
        this.injectedRegistry = registry;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        SerdeConfig config = SerdeConfig.from(configs);
        configure(
                configs,
                isKey,
                injectedRegistry != null ? injectedRegistry : SchemaRegistryClient.create(config),
                injectedRegistry == null);
    }

    void configure(Map<String, ?> configs, boolean isKey, SchemaRegistryClient registry, boolean ownsRegistry) {
        Class<T> type = declaredType;
        if (type == null) {
            type = SerdeConfig.string(
                            configs, isKey ? SerdeConfig.SPECIFIC_AVRO_KEY_TYPE : SerdeConfig.SPECIFIC_AVRO_VALUE_TYPE)
                    .map(SpecificAvroDeserializer::<T>generatedClass)
                    .orElse(null);
        }
        this.settings = new Settings<>(registry, ownsRegistry, type);
    }

    @Override
    public T deserialize(String topic, byte[] payload) {
        if (payload == null) {
            return null;
        }
        Settings<T> s = settings;
        if (s == null) {
            throw new IllegalStateException("SpecificAvroDeserializer used before configure(): set '"
                    + SerdeConfig.SCHEMA_REGISTRY_URL + "' and call configure(configs, isKey)");
        }
        int id = WireFormat.schemaId(payload, topic);
        DatumReader<T> reader = readers.get(id);
        if (reader == null) {
            try {
                reader = readerFor(s, id);
            } catch (SerdeException e) {
                throw e.within("Cannot deserialize record of topic '" + topic + "'");
            }
            DatumReader<T> raced = readers.putIfAbsent(id, reader);
            reader = raced != null ? raced : reader;
        }
        try {
            return reader.read(
                    null, new BoundedDecoder(payload, WireFormat.HEADER_SIZE, payload.length - WireFormat.HEADER_SIZE));
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new SerdeException(
                    "Cannot decode record of topic '" + topic + "' with writer schema id " + id + ": " + e, e);
        } catch (OutOfMemoryError e) {
            // Not expected with the decoder's bounds; should a schema still let one record ask for too much, it is
            // that record's failure, not the process's.
            throw new SerdeException("Cannot decode record of topic '" + topic + "' with writer schema id " + id
                    + ": it asks for more memory than the heap has (" + e.getMessage() + ")");
        }
    }

    private DatumReader<T> readerFor(Settings<T> s, int id) {
        Schema writer = s.registry().schemaById(id);
        Class<T> type = s.type();
        if (type == null) {
            @SuppressWarnings("unchecked")
            Class<T> named = (Class<T>) SpecificData.get().getClass(writer);
            if (named == null || !SpecificRecord.class.isAssignableFrom(named)) {
                throw new SerdeException("No generated class for writer schema " + writer.getFullName()
                        + " (schema id " + id + "): put it on the class path or set '"
                        + SerdeConfig.SPECIFIC_AVRO_VALUE_TYPE + "'");
            }
            type = named;
        }
        SpecificData model = SpecificData.getForClass(type);
        Schema reader = model.getSchema(type);
        if (!reader.getFullName().equals(writer.getFullName())) {
            throw new SerdeException("Writer schema " + writer.getFullName() + " (schema id " + id
                    + ") is not the reader's " + reader.getFullName());
        }
        return new SpecificDatumReader<>(writer, reader, model);
    }

    @SuppressWarnings("unchecked")
    private static <T> Class<T> generatedClass(String name) {
        try {
            Class<?> type = Class.forName(
                    name,
                    true,
                    Thread.currentThread().getContextClassLoader() != null
                            ? Thread.currentThread().getContextClassLoader()
                            : SpecificAvroDeserializer.class.getClassLoader());
            if (!SpecificRecord.class.isAssignableFrom(type)) {
                throw new IllegalArgumentException("'" + name + "' is not a generated Avro class (SpecificRecord)");
            }
            return (Class<T>) type;
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("Generated Avro class '" + name + "' not found", e);
        }
    }

    @Override
    public void close() {
        Settings<T> s = settings;
        if (s != null && s.ownsRegistry()) {
            s.registry().close();
        }
    }
}
