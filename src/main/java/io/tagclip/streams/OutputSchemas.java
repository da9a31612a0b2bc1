package io.tagclip.streams;

import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.avro.TrainingSample;
import io.tagclip.serde.RegisteredSchema;
import io.tagclip.serde.SchemaRegistryClient;
import io.tagclip.serde.SerdeConfig;
import io.tagclip.serde.SerdeException;
import io.tagclip.serde.Subjects;
import org.apache.avro.Schema;

/**
 * Makes the output schemas' ids known before the stream threads start. With {@code auto.register.schemas=true} they
 * are registered: otherwise the threads' first records race to register the same new subject, and a registry may
 * refuse the loser (Apicurio answers 409 "already exists"), which fails that stream thread. With
 * {@code auto.register.schemas=false} they are only looked up, as Confluent's serializer does, so a read-only
 * registry with pre-registered schemas works; with {@code use.latest.version=true} as well, each subject's latest
 * version must be the service's schema. Serializers that share {@code registry} then find the ids in its cache.
 */
public final class OutputSchemas {

    private OutputSchemas() {}

    /** Registers the output schemas (the {@code auto.register.schemas=true} case). */
    public static void register(SchemaRegistryClient registry, TopologySettings settings) {
        prepare(registry, settings, true, false);
    }

    /**
     * Registers or looks up the output schemas (and the samples topic's, when set) as {@code autoRegister} and {@code useLatestVersion} say.
     *
     * @throws SerdeException when the registry cannot be reached or does not hold a schema that must be there
     */
    public static void prepare(
            SchemaRegistryClient registry, TopologySettings settings, boolean autoRegister, boolean useLatestVersion) {
        prepare(
                registry,
                Subjects.topicName(settings.outputTopic(), false),
                ImageTags.getClassSchema(),
                autoRegister,
                useLatestVersion);
        prepare(
                registry,
                Subjects.topicName(settings.dlqTopic(), false),
                ImageTagFailure.getClassSchema(),
                autoRegister,
                useLatestVersion);
        if (settings.samplesTopic() != null) {
            prepare(
                    registry,
                    Subjects.topicName(settings.samplesTopic(), false),
                    TrainingSample.getClassSchema(),
                    autoRegister,
                    useLatestVersion);
        }
    }

    private static void prepare(
            SchemaRegistryClient registry,
            String subject,
            Schema schema,
            boolean autoRegister,
            boolean useLatestVersion) {
        if (autoRegister) {
            registry.register(subject, schema);
            return;
        }
        if (useLatestVersion) {
            RegisteredSchema latest = registry.latest(subject);
            if (!latest.schema().equals(schema)) {
                throw new SerdeException("Latest version " + latest.version() + " (schema id " + latest.id()
                        + ") of subject '" + subject + "' is not this service's " + schema.getFullName() + " schema;"
                        + " register it, or set " + SerdeConfig.USE_LATEST_VERSION + "=false");
            }
            return;
        }
        try {
            registry.idOf(subject, schema);
        } catch (SerdeException e) {
            throw e.within("With " + SerdeConfig.AUTO_REGISTER_SCHEMAS + "=false the " + schema.getFullName()
                    + " schema must be registered under subject '" + subject + "' beforehand");
        }
    }
}
