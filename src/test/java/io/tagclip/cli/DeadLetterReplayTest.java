package io.tagclip.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tagclip.avro.FailureReason;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.fetch.ImageLoader;
import io.tagclip.image.RgbImage;
import io.tagclip.serde.MockSchemaRegistry;
import io.tagclip.serde.SerdeConfig;
import io.tagclip.serde.SpecificAvroSerde;
import io.tagclip.streams.BatchTagger;
import io.tagclip.streams.FetchingBatchTagger;
import io.tagclip.streams.InferenceWorker;
import io.tagclip.streams.TaggerMetrics;
import io.tagclip.streams.TaggerTopology;
import io.tagclip.streams.TopologySettings;
import io.tagclip.streams.VocabularyPipeline;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The replay the runbook describes, end to end on the service's topology: an event naming a vocabulary the service
 * does not know yet becomes a dead letter; {@code consume} prints it; once the vocabulary is deployed,
 * {@code produce --from-dead-letter} publishes its input again, and the service tags it with the original vocabulary
 * and label subset, its record headers carried through.
 */
class DeadLetterReplayTest {

    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private final String scope = "replay-" + UUID.randomUUID();
    private final MockSchemaRegistry registry = MockSchemaRegistry.forScope(scope);
    private final SpecificAvroSerde<ImageRef> refSerde = serde(ImageRef.class);
    private final SpecificAvroSerde<ImageTags> tagsSerde = serde(ImageTags.class);
    private final SpecificAvroSerde<ImageTagFailure> failureSerde = serde(ImageTagFailure.class);
    private final VocabularyPipeline pipeline = new VocabularyPipeline();

    private ExecutorService fetchPool;
    private InferenceWorker worker;
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> refs;
    private TestOutputTopic<String, ImageTags> tags;
    private TestOutputTopic<String, ImageTagFailure> dlq;

    /** Loads "img://WxH" as a black WxH image. */
    private static final ImageLoader LOADER = (uri, claimedType) -> {
        String[] size = uri.substring("img://".length()).split("x");
        int w = Integer.parseInt(size[0]);
        int h = Integer.parseInt(size[1]);
        return new RgbImage(w, h, new byte[w * h * 3]);
    };

    @BeforeEach
    void setUp() {
        TaggerMetrics metrics = TaggerMetrics.noop();
        fetchPool = Executors.newFixedThreadPool(2);
        worker = new InferenceWorker(pipeline, 4, 16, Duration.ofSeconds(30), metrics);
        BatchTagger tagger = new FetchingBatchTagger(LOADER, fetchPool, worker, metrics);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "replay-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(
                TaggerTopology.build(
                        TopologySettings.defaults(4, Duration.ofMillis(200)),
                        refSerde.deserializer(),
                        tagsSerde.serializer(),
                        failureSerde.serializer(),
                        tagger,
                        metrics),
                props);
        refs = driver.createInputTopic(
                TaggerTopology.IMAGE_REFS,
                Serdes.String().serializer(),
                Serdes.ByteArray().serializer());
        tags = driver.createOutputTopic(
                TaggerTopology.IMAGE_TAGS, Serdes.String().deserializer(), tagsSerde.deserializer());
        dlq = driver.createOutputTopic(
                TaggerTopology.IMAGE_REFS_DLQ, Serdes.String().deserializer(), failureSerde.deserializer());
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        driver.close();
        worker.close();
        fetchPool.shutdownNow();
        MockSchemaRegistry.dropScope(scope);
    }

    @Test
    void shouldTagAReplayedUnknownVocabularyDeadLetterWithItsOriginalVocabularyAndLabels(@TempDir Path dir)
            throws Exception {
        ImageRef original = ImageRef.newBuilder()
                .setId("cat-7")
                .setUri("img://6x4")
                .setContentType("image/png")
                .setVocabularyId("pets")
                .setLabels(List.of("cat", "dog"))
                .setProducedAt(Instant.parse("2026-01-02T03:04:05.678Z"))
                .setHeaders(Map.of("tenant", "acme"))
                .build();
        Headers recordHeaders = new RecordHeaders(new Header[] {
            new RecordHeader("traceparent", TRACEPARENT.getBytes(StandardCharsets.UTF_8)),
            new RecordHeader("baggage", new byte[] {(byte) 0xc3, 0x28}),
            new RecordHeader("baggage", null)
        });
        send(original.getId(), original, recordHeaders);
        driver.advanceWallClockTime(Duration.ofMillis(200));

        // 1. the vocabulary is unknown: a dead letter, printed as `consume --topic image-refs-dlq` prints it
        ImageTagFailure letter = dlq.readValue();
        assertThat(letter.getReason()).isEqualTo(FailureReason.UNKNOWN_VOCABULARY);
        assertThat(tags.isEmpty()).isTrue();
        Path file = dir.resolve("replay.jsonl");
        Files.writeString(file, AvroJson.toJson(letter, letter.getSchema()) + "\n");

        // 2. the vocabulary is deployed; 3. `produce --from-dead-letter replay.jsonl`
        pipeline.deploy("pets", List.of("cat", "dog", "fish"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new TagclipCommand())
                .setOut(new PrintWriter(out))
                .setErr(new PrintWriter(err));
        ProduceCommand produce = (ProduceCommand) cli.parseArgs("produce", "--from-dead-letter", file.toString())
                .subcommand()
                .commandSpec()
                .userObject();
        MockProducer<String, ImageRef> producer =
                new MockProducer<>(true, null, new StringSerializer(), refSerde.serializer());

        int code = produce.replay(producer, produce.readDeadLetters());

        assertThat(code).isZero();
        assertThat(out.toString()).contains("sent cat-7 to image-refs-", "replays image-refs-0@0 UNKNOWN_VOCABULARY");
        assertThat(producer.history()).singleElement().satisfies(replayed -> {
            assertThat(replayed.topic()).isEqualTo(TaggerTopology.IMAGE_REFS);
            assertThat(replayed.key()).isEqualTo("cat-7");
            assertThat(replayed.value()).isEqualTo(original);
            assertThat(List.of(replayed.headers().toArray())).containsExactly(recordHeaders.toArray());
        });

        // 4. the service reads the replayed record
        for (ProducerRecord<String, ImageRef> replayed : producer.history()) {
            send(replayed.key(), replayed.value(), replayed.headers());
        }
        driver.advanceWallClockTime(Duration.ofMillis(200));

        TestRecord<String, ImageTags> tagged = tags.readRecord();
        assertThat(tagged.key()).isEqualTo("cat-7");
        assertThat(tagged.value().getVocabularyId()).isEqualTo("pets");
        assertThat(tagged.value().getTags()).extracting(t -> t.getLabel()).containsExactly("cat", "dog");
        assertThat(tagged.value().getHeaders()).containsEntry("tenant", "acme");
        assertThat(List.of(tagged.headers().toArray())).containsExactly(recordHeaders.toArray());
        assertThat(dlq.isEmpty()).isTrue();
    }

    private void send(String key, ImageRef ref, Headers headers) {
        byte[] value = refSerde.serializer().serialize(TaggerTopology.IMAGE_REFS, headers, ref);
        refs.pipeInput(new TestRecord<>(key, value, headers));
    }

    private <T extends SpecificRecord> SpecificAvroSerde<T> serde(Class<T> type) {
        SpecificAvroSerde<T> serde = new SpecificAvroSerde<>(type, registry);
        serde.configure(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + scope), false);
        return serde;
    }
}
