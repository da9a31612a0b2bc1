package io.tagclip.streams;

import static io.tagclip.streams.TaggerTopology.IMAGE_REFS;
import static org.assertj.core.api.Assertions.assertThat;

import io.tagclip.avro.FailureReason;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.fetch.FetchException;
import io.tagclip.fetch.ImageLoader;
import io.tagclip.image.RgbImage;
import io.tagclip.pipeline.VocabularyAvailability;
import io.tagclip.serde.MockSchemaRegistry;
import io.tagclip.serde.SerdeConfig;
import io.tagclip.serde.SpecificAvroSerde;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TaggerTopologyTest {

    private static final int MAX_BATCH = 4;

    /** Loads "img://WxH" as a WxH image; "img://missing" and "img://html" fail like the real loader would. */
    static final ImageLoader LOADER = (uri, claimedType) -> {
        if (uri.equals("img://missing")) {
            throw new FetchException(FetchException.Reason.NOT_FOUND, "HTTP 404 from " + uri);
        }
        if (uri.equals("img://html")) {
            throw new FetchException(FetchException.Reason.UNSUPPORTED_FORMAT, uri + " is not an image: 3c 68 74 6d");
        }
        String[] size = uri.substring("img://".length()).split("x");
        int w = Integer.parseInt(size[0]);
        int h = Integer.parseInt(size[1]);
        return new RgbImage(w, h, new byte[w * h * 3]);
    };

    private TopologyHarness harness;
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> refs;
    private TestOutputTopic<String, ImageTags> tags;
    private TestOutputTopic<String, ImageTagFailure> dlq;

    @BeforeEach
    void setUp() {
        harness = new TopologyHarness(
                "tagger-test",
                TopologySettings.defaults(MAX_BATCH, Duration.ofMillis(200)),
                VocabularyAvailability.ALWAYS);
        driver = harness.driver;
        refs = harness.refs;
        tags = harness.tags;
        dlq = harness.dlq;
    }

    @AfterEach
    void tearDown() {
        harness.close();
    }

    @Test
    void shouldTagFullBatchInInputOrderWithoutWaiting() {
        for (int i = 0; i < MAX_BATCH; i++) {
            send(ref("id-" + i, "img://" + (10 + i) + "x5"));
        }

        List<TestRecord<String, ImageTags>> out = tags.readRecordsToList();

        assertThat(out).extracting(TestRecord::key).containsExactly("id-0", "id-1", "id-2", "id-3");
        assertThat(out.get(2).value().getTags().get(0).getLabel()).isEqualTo("w12");
        assertThat(out.get(0).value().getModelId()).isEqualTo("fake-model");
        assertThat(out.get(0).value().getHeaders()).containsEntry("trace", "t-id-0");
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void shouldFlushPartialBatchOnlyAfterMaxWait() {
        send(ref("a", "img://8x8"));
        send(ref("b", "img://9x9"));
        assertThat(tags.isEmpty()).isTrue();

        driver.advanceWallClockTime(Duration.ofMillis(200));

        assertThat(tags.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("a", "b");
    }

    @Test
    void shouldRouteBadReferencesToDeadLetterTopicWithTheirReasons() {
        send(ref("ok-1", "img://4x4"));
        send(ref("gone", "img://missing"));
        send(ref("page", "img://html"));
        send(ref("vocab", "img://4x4", "nope"));
        send(ref("ok-2", "img://5x4"));
        driver.advanceWallClockTime(Duration.ofMillis(200));

        List<TestRecord<String, ImageTagFailure>> failures = dlq.readRecordsToList();

        assertThat(failures).extracting(TestRecord::key).containsExactly("gone", "page", "vocab");
        assertThat(failures)
                .extracting(r -> r.value().getReason())
                .containsExactly(
                        FailureReason.NOT_FOUND, FailureReason.UNSUPPORTED_FORMAT, FailureReason.UNKNOWN_VOCABULARY);
        ImageTagFailure gone = failures.get(0).value();
        assertThat(gone.getMessage()).contains("HTTP 404", "img://missing");
        assertThat(gone.getUri()).isEqualTo("img://missing");
        assertThat(gone.getSourceTopic()).isEqualTo(IMAGE_REFS);
        assertThat(gone.getSourceOffset()).isEqualTo(1L);
        assertThat(gone.getHeaders()).containsEntry("trace", "t-gone");
        assertThat(tags.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("ok-1", "ok-2");
    }

    @Test
    void shouldSendUnparseableRecordToDeadLetterTopicWithItsBytes() {
        byte[] garbage = "definitely not avro".getBytes(StandardCharsets.UTF_8);
        refs.pipeInput("k", garbage);
        refs.pipeInput("k", (byte[]) null);

        List<ImageTagFailure> failures = dlq.readValuesToList();

        assertThat(failures)
                .hasSize(2)
                .allSatisfy(f -> assertThat(f.getReason()).isEqualTo(FailureReason.INVALID_EVENT));
        assertThat(failures.get(0).getRawValue().array()).isEqualTo(garbage);
        assertThat(failures.get(0).getSourceOffset()).isEqualTo(0L);
        assertThat(failures.get(0).getId()).isEqualTo("k"); // the Kafka key, when the value holds no id
        assertThat(failures.get(0).getReasonName()).isEqualTo("INVALID_EVENT");
        assertThat(failures.get(1).getMessage()).contains("null value");
    }

    @Test
    void shouldProduceExactlyOneOutputPerInput() {
        int n = 23;
        for (int i = 0; i < n; i++) {
            if (i % 5 == 0) {
                refs.pipeInput("bad-" + i, new byte[] {1, 2, 3});
            } else {
                send(ref("id-" + i, i % 7 == 0 ? "img://missing" : "img://" + (i + 1) + "x2"));
            }
        }
        driver.advanceWallClockTime(Duration.ofMillis(200));

        List<String> tagged =
                tags.readKeyValuesToList().stream().map(kv -> kv.key).toList();
        List<ImageTagFailure> failed = dlq.readValuesToList();

        assertThat(tagged.size() + failed.size()).isEqualTo(n);
        assertThat(tagged)
                .doesNotHaveDuplicates()
                .isSortedAccordingTo(
                        (a, b) -> Integer.compare(Integer.parseInt(a.substring(3)), Integer.parseInt(b.substring(3))));
        assertThat(driver.getKeyValueStore(TaggerTopology.BUFFER_STORE).approximateNumEntries())
                .isZero();
    }

    @Test
    void shouldDeadLetterAnOversizedIdWithinBoundsAndKeepTagging() {
        String hugeId = "x".repeat(1_000_000);
        send(ref("before", "img://4x4"));
        refs.pipeInput(hugeId, harness.refSerde.serializer().serialize(IMAGE_REFS, ref(hugeId, "img://4x4")));
        send(ref("after", "img://5x4"));
        driver.advanceWallClockTime(Duration.ofMillis(200));

        List<TestRecord<String, ImageTagFailure>> failures = dlq.readRecordsToList();

        assertThat(failures).singleElement().satisfies(f -> {
            assertThat(f.key()).isNull();
            assertThat(f.value().getId()).isNull();
            assertThat(f.value().getReason()).isEqualTo(FailureReason.INVALID_EVENT);
            assertThat(f.value().getMessage())
                    .contains("id of 1000000 bytes exceeds the limit of 1024")
                    .hasSizeLessThanOrEqualTo(EventLimits.MAX_MESSAGE_CHARS);
            assertThat(f.value().getRawValue().remaining())
                    .isEqualTo(EventLimits.defaults().maxRawValueBytes());
            assertThat(f.value().getMessage()).contains("rawValue holds the first 65536 of");
            assertThat(EventMapper.recordBytes(f.key(), f.value()))
                    .isLessThan(EventLimits.defaults().maxOutputBytes());
        });
        assertThat(tags.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("before", "after");
    }

    @Test
    void shouldDeadLetterEveryFieldPastItsLimit() {
        Map<String, String> manyHeaders = new HashMap<>();
        for (int i = 0; i < 65; i++) {
            manyHeaders.put("h" + i, "v");
        }
        send(ImageRef.newBuilder(ref("headers", "img://4x4"))
                .setHeaders(manyHeaders)
                .build());
        send(ImageRef.newBuilder(ref("header-bytes", "img://4x4"))
                .setHeaders(Map.of("big", "v".repeat(16_384)))
                .build());
        send(ImageRef.newBuilder(ref("labels", "img://4x4"))
                .setLabels(Collections.nCopies(1025, "cat"))
                .build());
        send(ImageRef.newBuilder(ref("label", "img://4x4"))
                .setLabels(List.of("c".repeat(257)))
                .build());
        send(ref("uri", "img://" + "9".repeat(8192)));
        send(ref("vocab", "img://4x4", "v".repeat(257)));
        send(ref("fine", "img://4x4"));
        driver.advanceWallClockTime(Duration.ofMillis(200));

        List<TestRecord<String, ImageTagFailure>> failures = dlq.readRecordsToList();

        assertThat(failures)
                .extracting(TestRecord::key)
                .containsExactly("headers", "header-bytes", "labels", "label", "uri", "vocab");
        assertThat(failures)
                .extracting(r -> r.value().getMessage())
                .satisfiesExactly(
                        m -> assertThat(m).contains("65 headers exceed the limit of 64"),
                        m -> assertThat(m).contains("headers of 16387 bytes exceed the limit of 16384"),
                        m -> assertThat(m).contains("1025 labels exceed the limit of 1024"),
                        m -> assertThat(m).contains("label of 257 characters exceeds the limit of 256"),
                        m -> assertThat(m).contains("uri of 8198 characters exceeds the limit of 8192"),
                        m -> assertThat(m).contains("vocabularyId of 257 characters exceeds the limit of 256"));
        assertThat(failures.get(1).value().getHeaders())
                .isEmpty(); // the event is in rawValue, not copied field by field
        assertThat(failures.get(4).value().getUri()).isNull();
        assertThat(failures.get(0).value().getRawValue()).isNotNull();
        assertThat(tags.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("fine");
    }

    @Test
    void shouldWriteDeadLettersInInputOrderWhenAnUnparseableRecordFollowsAFailingFetch() {
        send(ref("ok", "img://4x4"));
        send(ref("gone", "img://missing"));
        refs.pipeInput("garbage", "not avro".getBytes(StandardCharsets.UTF_8));
        send(ref("later", "img://5x5"));
        driver.advanceWallClockTime(Duration.ofMillis(200));

        assertThat(dlq.readRecordsToList())
                .extracting(r -> r.value().getSourceOffset())
                .as("the fetch failure at offset 1 before the unparseable record at offset 2")
                .containsExactly(1L, 2L);
        assertThat(tags.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("ok", "later");
    }

    @Test
    void shouldSizeRecordsAsTheWireFormatSerializerWritesThem() {
        SpecificAvroSerde<ImageTagFailure> wire =
                new SpecificAvroSerde<>(ImageTagFailure.class, MockSchemaRegistry.forScope("sizing"));
        wire.configure(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://sizing"), false);
        ImageTagFailure failure = EventMapper.invalidEvent(
                "id-7", IMAGE_REFS, 0, 3, new byte[7], new byte[300], "bad", 0, EventLimits.defaults());

        long bytes = EventMapper.recordBytes("id-7", failure);

        assertThat(bytes)
                .isEqualTo(4 + wire.serializer().serialize("dlq", failure).length + EventLimits.RECORD_OVERHEAD_BYTES);
    }

    private void send(ImageRef ref) {
        harness.send(ref);
    }

    static ImageRef ref(String id, String uri) {
        return ref(id, uri, null);
    }

    static ImageRef ref(String id, String uri, String vocabulary) {
        return ImageRef.newBuilder()
                .setId(id)
                .setUri(uri)
                .setVocabularyId(vocabulary)
                .setProducedAt(Instant.ofEpochMilli(1_700_000_000_000L))
                .setHeaders(Map.of("trace", "t-" + id))
                .build();
    }
}
