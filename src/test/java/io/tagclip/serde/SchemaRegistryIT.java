package io.tagclip.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.testing.LocalStack;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The serde and registry client against a real Apicurio registry (Confluent API) and a real Kafka broker. */
class SchemaRegistryIT {

    private final LocalStack stack = LocalStack.get();
    /** Fresh names per run, so that a registry that kept its data from an earlier run cannot make a test pass. */
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @Test
    void shouldRegisterTheEventSchemasAndReadThemBackById() {
        Map<String, Schema> schemasByTopic = Map.of(
                "image-refs-" + run, ImageRef.getClassSchema(),
                "image-tags-" + run, ImageTags.getClassSchema(),
                "image-refs-dlq-" + run, ImageTagFailure.getClassSchema());
        Map<String, Integer> ids = new HashMap<>();
        try (var writer = new RestSchemaRegistryClient(SerdeConfig.of(stack.registryUrl()))) {
            schemasByTopic.forEach(
                    (topic, schema) -> ids.put(topic, writer.register(Subjects.topicName(topic, false), schema)));
        }

        // A second client has nothing cached: every answer below comes from the registry.
        try (var reader = new RestSchemaRegistryClient(SerdeConfig.of(stack.registryUrl()))) {
            schemasByTopic.forEach((topic, schema) -> {
                String subject = topic + "-value";
                int id = ids.get(topic);
                assertThat(reader.schemaById(id)).as("GET /schemas/ids/%d", id).isEqualTo(schema);
                assertThat(reader.idOf(subject, schema))
                        .as("POST /subjects/%s", subject)
                        .isEqualTo(id);
                assertThat(reader.latest(subject)).isEqualTo(new RegisteredSchema(subject, id, 1, schema));
            });
        }
        assertThat(ids.values()).doesNotHaveDuplicates();
    }

    @Test
    void shouldKeepTheIdWhenTheSameSchemaIsRegisteredAgain() {
        String subject = "image-refs-again-" + run + "-value";
        int first;
        try (var client = new RestSchemaRegistryClient(SerdeConfig.of(stack.registryUrl()))) {
            first = client.register(subject, ImageRef.getClassSchema());
        }
        try (var client = new RestSchemaRegistryClient(SerdeConfig.of(stack.registryUrl()))) {
            assertThat(client.register(subject, ImageRef.getClassSchema())).isEqualTo(first);
            assertThat(client.latest(subject).version()).isEqualTo(1);
        }
    }

    @Test
    void shouldNameTheIdAndRegistryErrorForAnUnknownSchemaId() {
        try (var client = new RestSchemaRegistryClient(SerdeConfig.of(stack.registryUrl()))) {
            assertThatThrownBy(() -> client.schemaById(987654))
                    .isInstanceOfSatisfying(SerdeException.class, e -> {
                        assertThat(e.httpStatus()).hasValue(404);
                        assertThat(e.errorCode()).hasValue(40403);
                    })
                    .hasMessageContaining("schema id 987654")
                    .hasMessageContaining(stack.registryUrl());
        }
    }

    @Test
    void shouldCarryAnImageRefThroughTheBrokerInConfluentWireFormat() {
        String topic = "image-refs-roundtrip-" + run;
        stack.createTopic(topic, 1);
        ImageRef sent = SampleEvents.imageRef();

        Map<String, Object> producerConfig = new HashMap<>(stack.clientConfig());
        producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, SpecificAvroSerializer.class);
        try (var producer = new KafkaProducer<String, ImageRef>(producerConfig)) {
            producer.send(new ProducerRecord<>(topic, sent.getId(), sent)).get();
        } catch (Exception e) {
            throw new AssertionError("Producing to " + topic + " failed", e);
        }

        ConsumerRecord<String, byte[]> received = consumeOne(topic);
        byte[] payload = received.value();
        int registeredId;
        try (var client = new RestSchemaRegistryClient(SerdeConfig.of(stack.registryUrl()))) {
            registeredId = client.idOf(topic + "-value", ImageRef.getClassSchema());
        }
        assertThat(received.key()).isEqualTo("img-42");
        assertThat(payload[0]).isEqualTo(WireFormat.MAGIC_BYTE);
        assertThat(ByteBuffer.wrap(payload, 1, 4).getInt()).isEqualTo(registeredId);

        // Read as a consumer configured only by keys would: class named in the configuration, fresh registry client.
        var deserializer = new SpecificAvroDeserializer<ImageRef>();
        Map<String, Object> consumerConfig = new HashMap<>(stack.clientConfig());
        consumerConfig.put(SerdeConfig.SPECIFIC_AVRO_VALUE_TYPE, ImageRef.class.getName());
        deserializer.configure(consumerConfig, false);
        try (deserializer) {
            assertThat(deserializer.deserialize(topic, payload)).isEqualTo(sent);
        }
    }

    private ConsumerRecord<String, byte[]> consumeOne(String topic) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        try (var consumer = new KafkaConsumer<String, byte[]>(config)) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (records.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
            assertThat(records).as("records of %s", topic).hasSize(1);
            return records.get(0);
        }
    }
}
