package io.tagclip.streams;

import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.serde.SchemaRegistryClient;
import io.tagclip.serde.Subjects;

/**
 * Registers the output schemas before the stream threads start. Otherwise the threads' first records race to
 * register the same new subject, and a registry may refuse the loser (Apicurio answers 409 "already exists"),
 * which fails that stream thread. Serializers that share {@code registry} then find the ids in its cache.
 */
public final class OutputSchemas {

    private OutputSchemas() {}

    public static void register(SchemaRegistryClient registry, TopologySettings settings) {
        registry.register(Subjects.topicName(settings.outputTopic(), false), ImageTags.getClassSchema());
        registry.register(Subjects.topicName(settings.dlqTopic(), false), ImageTagFailure.getClassSchema());
    }
}
