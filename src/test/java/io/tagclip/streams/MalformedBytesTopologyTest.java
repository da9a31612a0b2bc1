package io.tagclip.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.tagclip.avro.FailureReason;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.serde.AvroBytes;
import io.tagclip.serde.MockSchemaRegistry;
import io.tagclip.serde.SerdeConfig;
import io.tagclip.serde.SpecificAvroDeserializer;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Input records written byte by byte, read by the service's own wire-format deserializer: each malformed one (a
 * length or count that lies, an id that is not UTF-8) becomes one {@code INVALID_EVENT} dead letter that keeps the
 * record's raw key and value, in input order, and the records after it are tagged.
 */
class MalformedBytesTopologyTest {

    private final String scope = "malformed-bytes-" + UUID.randomUUID();
    private final MockSchemaRegistry registry = MockSchemaRegistry.forScope(scope);
    private final PlainAvroSerde<ImageTags> tagsSerde = new PlainAvroSerde<>(ImageTags.getClassSchema());
    private final PlainAvroSerde<ImageTagFailure> failureSerde = new PlainAvroSerde<>(ImageTagFailure.getClassSchema());
    private ExecutorService fetchPool;
    private InferenceWorker worker;
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> refs;
    private TestOutputTopic<String, ImageTags> tags;
    private TestOutputTopic<String, ImageTagFailure> dlq;
    private int schemaId;

    @BeforeEach
    void setUp() {
        schemaId = registry.register(TaggerTopology.IMAGE_REFS + "-value", ImageRef.getClassSchema());
        SpecificAvroDeserializer<ImageRef> refs = new SpecificAvroDeserializer<>(ImageRef.class, registry);
        refs.configure(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + scope), false);
        TaggerMetrics metrics = TaggerMetrics.noop();
        fetchPool = Executors.newFixedThreadPool(2);
        worker = new InferenceWorker(new FakePipeline(), 4, 16, Duration.ofSeconds(30), metrics);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "malformed-bytes-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(
                TaggerTopology.build(
                        TopologySettings.defaults(4, Duration.ofMillis(200)),
                        refs,
                        tagsSerde.serializer(),
                        failureSerde.serializer(),
                        new FetchingBatchTagger(TaggerTopologyTest.LOADER, fetchPool, worker, metrics),
                        metrics),
                props);
        this.refs = driver.createInputTopic(
                TaggerTopology.IMAGE_REFS,
                Serdes.ByteArray().serializer(),
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
    void shouldDeadLetterEachMalformedRecordKeepingItsRawBytesAndTagTheRest() {
        byte[] notUtf8 = {'i', 'd', (byte) 0xff, (byte) 0xfe};
        send("before".getBytes(), AvroBytes.imageRef("before", "img://8x8"));
        send(
                notUtf8,
                new AvroBytes()
                        .bytes(notUtf8)
                        .string("img://8x8")
                        .varint(0)
                        .varint(0)
                        .varint(0)
                        .varint(0));
        send("long".getBytes(), new AvroBytes().varint(500_000_000L));
        send(
                "labels".getBytes(),
                AvroBytes.imageRefHead("labels", "img://8x8").varint(1).varint(400_000_000L));
        send(
                "headers".getBytes(),
                AvroBytes.imageRefHead("headers", "img://8x8")
                        .varint(0)
                        .varint(0)
                        .varint(-400_000_000L) // a negative count: that many items, then the block's size in bytes
                        .varint(10));
        send("after".getBytes(), AvroBytes.imageRef("after", "img://9x9"));
        driver.advanceWallClockTime(Duration.ofMillis(200));

        List<TestRecord<String, ImageTagFailure>> failures = dlq.readRecordsToList();
        assertThat(failures).hasSize(4);
        assertThat(failures).allSatisfy(r -> assertThat(r.value().getReason()).isEqualTo(FailureReason.INVALID_EVENT));
        assertThat(failures)
                .extracting(r -> r.value().getSourceOffset())
                .as("in input order")
                .containsExactly(1L, 2L, 3L, 4L);
        ImageTagFailure badId = failures.get(0).value();
        assertThat(failures.get(0).key())
                .as("a key that is not UTF-8 cannot be an id")
                .isNull();
        assertThat(bytes(badId.getRawKey())).containsExactly(notUtf8);
        assertThat(badId.getMessage()).contains("a string of 4 bytes is not valid UTF-8 at byte 2");
        assertThat(failures.get(1).value().getMessage()).contains("string length of 500000000");
        assertThat(failures.get(2).value().getMessage()).contains("array block of 400000000");
        assertThat(failures.get(3).value().getMessage()).contains("map block of 400000000");
        assertThat(failures.subList(1, 4)).extracting(TestRecord::key).containsExactly("long", "labels", "headers");
        assertThat(tags.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("before", "after");
    }

    private void send(byte[] key, AvroBytes body) {
        refs.pipeInput(key, body.framed(schemaId));
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
