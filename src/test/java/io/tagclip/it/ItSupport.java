package io.tagclip.it;

import com.sun.net.httpserver.HttpServer;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.fetch.FetchSettings;
import io.tagclip.serde.SchemaRegistryClient;
import io.tagclip.serde.SerdeConfig;
import io.tagclip.serde.SpecificAvroDeserializer;
import io.tagclip.serde.SpecificAvroSerde;
import io.tagclip.testing.LocalStack;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import javax.imageio.ImageIO;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Topics, an image server, a producer of references and a read_committed reader of outputs. */
final class ItSupport {

    private ItSupport() {}

    /** The service defaults with short timeouts and the loopback image server allow-listed. */
    static FetchSettings fetchSettingsAllowingLoopback() {
        FetchSettings d = FetchSettings.defaults();
        return new FetchSettings(
                Duration.ofMillis(500),
                Duration.ofSeconds(1),
                d.maxBytes(),
                2,
                Duration.ofMillis(50),
                1,
                d.maxPixels(),
                false,
                List.of(),
                true,
                List.of("127.0.0.1"),
                true,
                d.userAgent());
    }

    /** Names of one test run's topics, unique so that runs never see each other's records. */
    record Topics(String input, String output, String dlq) {
        static Topics fresh(LocalStack stack, String prefix, int partitions) {
            String run = UUID.randomUUID().toString().substring(0, 8);
            Topics topics = new Topics(prefix + "-refs-" + run, prefix + "-tags-" + run, prefix + "-dlq-" + run);
            stack.createTopic(topics.input, partitions);
            stack.createTopic(topics.output, partitions);
            stack.createTopic(topics.dlq, 1);
            return topics;
        }
    }

    /** Serves /img/WxH.png as a PNG of that size and /text as a small HTML page, on 127.0.0.1. */
    static HttpServer imageServer() throws IOException {
        return imageServer(Duration.ZERO);
    }

    /**
     * {@link #imageServer()} answering each image request after {@code delay}, on as many threads as there are
     * requests: a stream that takes long enough for a test to kill the service in the middle of it.
     */
    static HttpServer imageServer(Duration delay) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/img/", exchange -> {
            try {
                Thread.sleep(delay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            String name = exchange.getRequestURI()
                    .getPath()
                    .substring("/img/".length())
                    .replace(".png", "");
            String[] size = name.split("x");
            byte[] png = png(Integer.parseInt(size[0]), Integer.parseInt(size[1]));
            exchange.getResponseHeaders().add("Content-Type", "image/png");
            exchange.sendResponseHeaders(200, png.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(png);
            }
        });
        server.createContext("/text", exchange -> {
            byte[] html = "<html>not an image</html>".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, html.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(html);
            }
        });
        server.start();
        return server;
    }

    static String url(HttpServer server, String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private static byte[] png(int w, int h) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static ImageRef ref(String id, String uri) {
        return ImageRef.newBuilder()
                .setId(id)
                .setUri(uri)
                .setProducedAt(Instant.now())
                .build();
    }

    /** A serde of {@code type} on {@code registry}, configured as a value serde with {@code config}. */
    static <T extends SpecificRecord> SpecificAvroSerde<T> serde(
            Class<T> type, SchemaRegistryClient registry, Map<String, Object> config) {
        SpecificAvroSerde<T> serde = new SpecificAvroSerde<>(type, registry);
        serde.configure(config, false);
        return serde;
    }

    /** Sends the references (and raw byte arrays, as malformed records) to {@code topic}. */
    static void produce(LocalStack stack, String topic, List<ImageRef> refs, List<byte[]> malformed) {
        produce(stack, topic, refs, malformed, Map.of());
    }

    /** {@link #produce(LocalStack, String, List, List)}, the refs whose ids {@code headers} has with those headers. */
    static void produce(
            LocalStack stack,
            String topic,
            List<ImageRef> refs,
            List<byte[]> malformed,
            Map<String, Map<String, String>> headers) {
        Map<String, Object> config = new HashMap<>(stack.clientConfig());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        try (SpecificAvroSerde<ImageRef> serde = new SpecificAvroSerde<>(ImageRef.class)) {
            serde.configure(config, false);
            try (KafkaProducer<String, ImageRef> producer =
                            new KafkaProducer<>(config, new StringSerializer(), serde.serializer());
                    KafkaProducer<String, byte[]> raw =
                            new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
                for (ImageRef ref : refs) {
                    ProducerRecord<String, ImageRef> record = new ProducerRecord<>(topic, ref.getId(), ref);
                    headers.getOrDefault(ref.getId().toString(), Map.of())
                            .forEach((key, value) -> record.headers().add(key, value.getBytes(StandardCharsets.UTF_8)));
                    producer.send(record);
                }
                for (byte[] bytes : malformed) {
                    raw.send(new ProducerRecord<>(topic, "malformed", bytes));
                }
                producer.flush();
                raw.flush();
            }
        }
    }

    /**
     * Everything committed on {@code topics}, polled until {@code done} holds or {@code timeout} passes, and then
     * for {@code settle} more, so that a duplicate arriving late is caught.
     */
    static List<ConsumerRecord<String, SpecificRecord>> readCommitted(
            LocalStack stack,
            List<String> topics,
            Duration timeout,
            Duration settle,
            Predicate<List<ConsumerRecord<String, SpecificRecord>>> done) {
        Map<String, Object> config = new HashMap<>(stack.clientConfig());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "it-reader-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, SpecificRecord>> records = new ArrayList<>();
        SpecificAvroDeserializer<SpecificRecord> values = new SpecificAvroDeserializer<>();
        values.configure(config, false);
        try (KafkaConsumer<String, SpecificRecord> consumer =
                new KafkaConsumer<>(config, new StringDeserializer(), values)) {
            consumer.subscribe(topics);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline && !done.test(records)) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            long settled = System.nanoTime() + settle.toNanos();
            while (System.nanoTime() < settled) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    /** The image id of an output record: the tags' id, or the failure's id (null for malformed input). */
    static String idOf(SpecificRecord value) {
        if (value instanceof ImageTags tags) {
            return tags.getId();
        }
        return ((ImageTagFailure) value).getId();
    }

    static Map<String, Object> serdeConfig(LocalStack stack) {
        return Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, stack.registryUrl());
    }
}
