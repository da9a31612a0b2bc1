package io.tagclip.app;

import io.tagclip.serde.SchemaRegistryClient;
import io.tagclip.serde.SerdeConfig;
import io.tagclip.serde.SpecificAvroDeserializer;
import io.tagclip.serde.SpecificAvroSerde;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The plain Kafka clients the service starts beside Kafka Streams (the samples, vocabularies and heads readers, the
 * heads publisher, the trainer election): the
 * Streams client's bootstrap servers and security settings, and the service's registry settings.
 */
final class KafkaClients {

    /** Client settings the plain consumers take over from {@code kafka-streams.*}. */
    private static final List<String> SECURITY_PREFIXES = List.of("security.", "sasl.", "ssl.");

    private KafkaClients() {}

    /** Where the brokers are and how to log in: the Streams client's bootstrap servers and security settings. */
    private static Map<String, Object> connection(TaggerConfig config) {
        Map<String, Object> props = new HashMap<>();
        TopologyProducer.serdeConfig(config).forEach((key, value) -> {
            if (!value.isEmpty() && SECURITY_PREFIXES.stream().anyMatch(key::startsWith)) {
                props.put(key, value);
            }
        });
        props.put(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class));
        return props;
    }

    /** A consumer's settings: read_committed, no auto commit, for a reader that assigns itself (no group). */
    static Map<String, Object> consumerConfig(TaggerConfig config, String clientId) {
        Map<String, Object> props = connection(config);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        return props;
    }

    /** A producer's settings: the security settings, acks=all and idempotence. */
    static Map<String, Object> producerConfig(TaggerConfig config, String clientId) {
        Map<String, Object> props = connection(config);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        return props;
    }

    /** The Avro serializer of {@code type} on the service's registry settings. */
    static <T extends SpecificRecord> Serializer<T> serializer(TaggerConfig config, Class<T> type) {
        Map<String, String> serde = TopologyProducer.serdeConfig(config);
        SpecificAvroSerde<T> s = new SpecificAvroSerde<>(type, SchemaRegistryClient.create(SerdeConfig.from(serde)));
        s.configure(serde, false);
        return s.serializer();
    }

    /** The Avro deserializer of {@code type} on the service's registry settings. */
    static <T extends SpecificRecord> Deserializer<T> deserializer(TaggerConfig config, Class<T> type) {
        Map<String, String> serde = TopologyProducer.serdeConfig(config);
        SpecificAvroDeserializer<T> deserializer =
                new SpecificAvroDeserializer<>(type, SchemaRegistryClient.create(SerdeConfig.from(serde)));
        deserializer.configure(serde, false);
        return deserializer;
    }
}
