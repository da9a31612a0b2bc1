package io.tagclip.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTags;
import io.tagclip.serde.SchemaRegistryClient;
import io.tagclip.serde.SerdeConfig;
import io.tagclip.serde.WireFormat;
import io.tagclip.testing.LocalStack;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The schema registry becomes unreachable twice while the packaged service reads events written with schema versions
 * it has never seen (a producer's new version), and comes back each time. The registry keeps its state (the outage is
 * a cut connection, as in a network partition or a registry restart with durable storage). After each recovery every
 * event of the outage is tagged exactly once, none is dead-lettered; readiness is DOWN while the outage lasts and
 * liveness stays UP throughout, so no probe restarts the pod.
 */
class RegistryOutageIT {

    private static final int PER_OUTAGE = 6;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LocalStack stack = LocalStack.get();

    @Test
    void shouldTagEveryEventOfTwoRegistryOutagesOnceWithoutARestart() throws Exception {
        ItSupport.Topics topics = ItSupport.Topics.fresh(stack, "outage", 1);
        HttpServer images = ItSupport.imageServer();
        URI registry = URI.create(stack.registryUrl());
        List<String> sent = new ArrayList<>();
        try (TcpProxy proxy = new TcpProxy(registry.getHost(), registry.getPort());
                SchemaRegistryClient direct = SchemaRegistryClient.create(
                        SerdeConfig.from(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, stack.registryUrl())));
                PackagedService service = PackagedService.named("registry-outage-it")
                        .on(
                                stack,
                                topics,
                                "outage-it-" + UUID.randomUUID().toString().substring(0, 8))
                        .httpPort()
                        .set("tagger.schema-registry-url", "http://127.0.0.1:" + proxy.port() + registry.getPath())
                        .set("tagger.registry.initial-backoff", "200ms")
                        .set("tagger.registry.max-backoff", "2s")
                        .start()) {
            awaitHealth(service, "UP", "UP", Duration.ofSeconds(120));
            for (int outage = 1; outage <= 2; outage++) {
                // a producer's new schema version, registered while the registry is still reachable
                Schema version = newVersion(outage);
                int schemaId = direct.register(topics.input() + "-value", version);

                proxy.cut();
                List<String> ids = produce(topics.input(), version, schemaId, outage, images);
                sent.addAll(ids);
                String[] during = awaitHealth(service, "UP", "DOWN", Duration.ofSeconds(60));
                assertThat(during[0]).as("outage %d: liveness", outage).isEqualTo("UP");

                proxy.restore();
                List<ConsumerRecord<String, SpecificRecord>> outputs = ItSupport.readCommitted(
                        stack,
                        List.of(topics.output(), topics.dlq()),
                        Duration.ofSeconds(120),
                        Duration.ofSeconds(2),
                        got -> got.size() >= sent.size());
                assertThat(outputs)
                        .as("outage %d: one output per input; log: target/registry-outage-it.log", outage)
                        .hasSize(sent.size());
                assertThat(outputs)
                        .extracting(ConsumerRecord::value)
                        .as("no event of an outage becomes a dead letter")
                        .hasOnlyElementsOfType(ImageTags.class);
                Set<String> tagged = outputs.stream()
                        .map(r -> ((ImageTags) r.value()).getId())
                        .collect(Collectors.toCollection(TreeSet::new));
                assertThat(tagged).isEqualTo(new TreeSet<>(sent));
                awaitHealth(service, "UP", "UP", Duration.ofSeconds(60));
            }
        } finally {
            images.stop(0);
        }
    }

    /** {@code ImageRef} with one more optional field, so each outage brings a schema id the service has not seen. */
    private static Schema newVersion(int outage) throws Exception {
        ObjectNode schema = (ObjectNode) JSON.readTree(ImageRef.getClassSchema().toString());
        ObjectNode field = JSON.createObjectNode();
        field.put("name", "producerRevision" + outage);
        ArrayNode type = field.putArray("type");
        type.add("null");
        type.add("int");
        field.putNull("default");
        ((ArrayNode) schema.get("fields")).add(field);
        return new Schema.Parser().parse(schema.toString());
    }

    private List<String> produce(String topic, Schema version, int schemaId, int outage, HttpServer images)
            throws Exception {
        Map<String, Object> config = new HashMap<>(stack.clientConfig());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        List<String> ids = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < PER_OUTAGE; i++) {
                String id = "outage" + outage + "-" + i;
                GenericRecord ref = new GenericData.Record(version);
                ref.put("id", id);
                ref.put("uri", ItSupport.url(images, "/img/" + (40 + i) + "x30.png"));
                ref.put("producedAt", System.currentTimeMillis());
                ref.put("headers", Map.of());
                ref.put("producerRevision" + outage, outage);
                producer.send(new ProducerRecord<>(topic, id, framed(version, schemaId, ref)));
                ids.add(id);
            }
            producer.flush();
        }
        return ids;
    }

    private static byte[] framed(Schema schema, int schemaId, GenericRecord record) throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(body, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return ByteBuffer.allocate(WireFormat.HEADER_SIZE + body.size())
                .put(WireFormat.MAGIC_BYTE)
                .putInt(schemaId)
                .put(body.toByteArray())
                .array();
    }

    /** Polls until liveness and readiness are {@code live} and {@code ready}; returns them. */
    private static String[] awaitHealth(PackagedService service, String live, String ready, Duration timeout)
            throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        String[] seen = {"?", "?"};
        while (System.nanoTime() < deadline) {
            assertThat(service.process().isAlive())
                    .as("service exited; log: target/registry-outage-it.log")
                    .isTrue();
            seen = new String[] {status(http, service, "live"), status(http, service, "ready")};
            if (seen[0].equals(live) && seen[1].equals(ready)) {
                return seen;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("health not live=" + live + " ready=" + ready + " within " + timeout + ", last "
                + seen[0] + "/" + seen[1] + "; log: target/registry-outage-it.log");
    }

    private static String status(HttpClient http, PackagedService service, String check) {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(service.baseUrl() + "/q/health/" + check))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode body = JSON.readTree(response.body());
            return body.path("status").asText("?");
        } catch (Exception e) {
            return "unreachable";
        }
    }
}
