package io.tagclip.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.tagclip.avro.FailureReason;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.serde.AvroBytes;
import io.tagclip.serde.SchemaRegistryClient;
import io.tagclip.serde.SerdeConfig;
import io.tagclip.testing.LocalStack;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Records written byte by byte into a real topic, read by the packaged service: lengths and counts that claim
 * hundreds of millions of bytes or items, a negative length, a body cut short, an id that is not UTF-8. Each becomes
 * one {@code INVALID_EVENT} dead letter keeping its raw key, the service stays live and ready all along, and the
 * events after them are tagged.
 */
class MalformedBytesIT {

    private static final long HUGE = 500_000_000L;

    private final LocalStack stack = LocalStack.get();

    @Test
    void shouldDeadLetterEachMalformedRecordWhileStayingLiveAndReady() throws Exception {
        ItSupport.Topics topics = ItSupport.Topics.fresh(stack, "malformed", 1);
        HttpServer images = ItSupport.imageServer();
        int schemaId;
        try (SchemaRegistryClient registry = SchemaRegistryClient.create(
                SerdeConfig.from(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, stack.registryUrl())))) {
            schemaId = registry.register(topics.input() + "-value", ImageRef.getClassSchema());
        }
        String image = ItSupport.url(images, "/img/64x48.png");
        byte[] notUtf8 = {'i', 'd', (byte) 0xc0, (byte) 0xaf};
        Map<String, AvroBytes> malformed = new LinkedHashMap<>();
        malformed.put("huge-id", new AvroBytes().varint(HUGE));
        malformed.put(
                "huge-labels",
                AvroBytes.imageRefHead("huge-labels", image).varint(1).varint(HUGE));
        malformed.put(
                "huge-headers",
                AvroBytes.imageRefHead("huge-headers", image)
                        .varint(0)
                        .varint(0)
                        .varint(-HUGE)
                        .varint(1));
        malformed.put("negative", new AvroBytes().varint(-7));
        malformed.put("cut", new AvroBytes().string("cut").varint(40).raw((byte) 'h', (byte) 't'));
        int good = 5;

        List<String> healthSeen = new CopyOnWriteArrayList<>();
        AtomicBoolean watching = new AtomicBoolean(true);
        try (PackagedService service = PackagedService.named("malformed-bytes-it")
                .on(
                        stack,
                        topics,
                        "malformed-it-" + UUID.randomUUID().toString().substring(0, 8))
                .httpPort()
                .start()) {
            awaitReady(service);
            Thread watcher = new Thread(() -> watchHealth(service, watching, healthSeen), "health-watcher");
            watcher.start();

            Map<String, Object> config = new HashMap<>(stack.clientConfig());
            config.put(ProducerConfig.ACKS_CONFIG, "all");
            try (KafkaProducer<byte[], byte[]> producer =
                    new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(
                        topics.input(),
                        notUtf8,
                        new AvroBytes()
                                .bytes(notUtf8)
                                .string(image)
                                .varint(0)
                                .varint(0)
                                .varint(0)
                                .varint(0)
                                .varint(0)
                                .framed(schemaId)));
                malformed.forEach((key, body) ->
                        producer.send(new ProducerRecord<>(topics.input(), key.getBytes(), body.framed(schemaId))));
                for (int i = 0; i < good; i++) {
                    String id = "good-" + i;
                    producer.send(new ProducerRecord<>(
                            topics.input(),
                            id.getBytes(),
                            AvroBytes.imageRef(id, image).framed(schemaId)));
                }
                producer.flush();
            }
            int expected = 1 + malformed.size() + good;
            List<ConsumerRecord<String, SpecificRecord>> outputs = ItSupport.readCommitted(
                    stack,
                    List.of(topics.output(), topics.dlq()),
                    Duration.ofSeconds(120),
                    Duration.ofSeconds(2),
                    got -> got.size() >= expected);
            watching.set(false);
            watcher.join();

            assertThat(outputs)
                    .as("one output per input; service log: target/malformed-bytes-it.log")
                    .hasSize(expected);
            List<ImageTagFailure> failures = new ArrayList<>();
            List<String> tagged = new ArrayList<>();
            for (ConsumerRecord<String, SpecificRecord> r : outputs) {
                if (r.value() instanceof ImageTagFailure f) {
                    failures.add(f);
                } else {
                    tagged.add(((ImageTags) r.value()).getId());
                }
            }
            assertThat(failures)
                    .extracting(ImageTagFailure::getReason)
                    .containsOnly(FailureReason.INVALID_EVENT)
                    .hasSize(1 + malformed.size());
            assertThat(failures).extracting(ImageTagFailure::getSourceOffset).isSorted();
            assertThat(failures.get(0).getId()).isNull();
            assertThat(failures.get(0).getRawKey().array()).containsExactly(notUtf8);
            assertThat(failures.get(0).getMessage()).contains("not valid UTF-8 at byte 2");
            assertThat(failures.subList(1, failures.size()))
                    .extracting(ImageTagFailure::getId)
                    .containsExactlyElementsOf(malformed.keySet());
            assertThat(tagged).containsExactly("good-0", "good-1", "good-2", "good-3", "good-4");
            assertThat(healthSeen)
                    .as("live and ready while the records were read")
                    .isNotEmpty()
                    .containsOnly("UP UP");
            assertThat(service.process().isAlive()).isTrue();
        } finally {
            watching.set(false);
            images.stop(0);
        }
    }

    private static void awaitReady(PackagedService service) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!health(service).equals("UP UP")) {
            assertThat(service.process().isAlive())
                    .as("service exited; log: target/malformed-bytes-it.log")
                    .isTrue();
            assertThat(System.nanoTime()).as("ready within 120 s").isLessThan(deadline);
            Thread.sleep(500);
        }
    }

    private static void watchHealth(PackagedService service, AtomicBoolean watching, List<String> seen) {
        while (watching.get()) {
            seen.add(health(service));
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** "LIVE READY" as the two endpoints' statuses (UP or DOWN), or "unreachable". */
    private static String health(PackagedService service) {
        HttpClient http = HttpClient.newHttpClient();
        try {
            return status(http, service.baseUrl() + "/q/health/live") + " "
                    + status(http, service.baseUrl() + "/q/health/ready");
        } catch (Exception e) {
            return "unreachable";
        }
    }

    private static String status(HttpClient http, String url) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return response.statusCode() == 200 ? "UP" : "DOWN";
    }
}
