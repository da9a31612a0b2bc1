package io.tagclip.streams;

import static io.tagclip.streams.TaggerTopology.IMAGE_REFS;
import static io.tagclip.streams.TaggerTopology.IMAGE_REFS_DLQ;
import static io.tagclip.streams.TaggerTopology.IMAGE_TAGS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.tagclip.avro.FailureReason;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.avro.KafkaHeader;
import io.tagclip.pipeline.VocabularyAvailability;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a dead letter keeps for its replay and for tracing: the parsed input whole, the input record's Kafka headers
 * (also copied onto tag events), and Kafka Connect's error headers; and what it drops to stay within the limits.
 */
class DeadLetterTopologyTest {

    private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private TopologyHarness harness;
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> refs;
    private TestOutputTopic<String, ImageTags> tags;
    private TestOutputTopic<String, ImageTagFailure> dlq;

    private void start(EventLimits limits) {
        harness = new TopologyHarness(
                "dead-letter-test",
                new TopologySettings(IMAGE_REFS, IMAGE_TAGS, IMAGE_REFS_DLQ, 4, Duration.ofMillis(200), limits),
                VocabularyAvailability.ALWAYS);
        driver = harness.driver;
        refs = harness.refs;
        tags = harness.tags;
        dlq = harness.dlq;
    }

    @AfterEach
    void tearDown() {
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    void shouldCopyTheInputRecordHeadersOntoTagEventsAndDeadLetters() {
        start(EventLimits.defaults());
        Headers input = inputHeaders();
        input.add(DeadLetterHeaders.TOPIC, "an-earlier-failure".getBytes(StandardCharsets.UTF_8));

        send(TaggerTopologyTest.ref("ok", "img://4x4"), input);
        send(TaggerTopologyTest.ref("gone", "img://missing"), input);
        driver.advanceWallClockTime(Duration.ofMillis(200));

        List<Header> expected = List.of(inputHeaders().toArray());
        TestRecord<String, ImageTags> tagged = tags.readRecord();
        assertThat(List.of(tagged.headers().toArray()))
                .as("the input's headers in order, duplicates, null and binary values included; not the stale"
                        + " error header")
                .containsExactlyElementsOf(expected);
        TestRecord<String, ImageTagFailure> letter = dlq.readRecord();
        assertThat(List.of(letter.headers().toArray()).subList(0, expected.size()))
                .containsExactlyElementsOf(expected);
        assertThat(letter.headers().headers(DeadLetterHeaders.TOPIC))
                .as("the error headers describe this failure only")
                .singleElement()
                .satisfies(h -> assertThat(text(h)).isEqualTo(IMAGE_REFS));
        assertThat(letter.value().getRecordHeaders())
                .as("the letter keeps the input's headers as they were, for replay")
                .hasSize(expected.size() + 1)
                .first()
                .satisfies(h -> {
                    assertThat(h.getKey()).isEqualTo("traceparent");
                    assertThat(h.getValue()).isEqualTo(ByteBuffer.wrap(TRACEPARENT.getBytes(StandardCharsets.UTF_8)));
                });
    }

    @Test
    void shouldKeepTheWholeInputInTheDeadLetterOfEveryInputThatParsed() {
        start(EventLimits.defaults());
        List<ImageRef> inputs = List.of(
                withLabels(TaggerTopologyTest.ref("gone", "img://missing"), "cat"),
                TaggerTopologyTest.ref("page", "img://html"),
                withLabels(TaggerTopologyTest.ref("vocab", "img://4x4", "nope"), "cat", "dog"),
                withLabels(TaggerTopologyTest.ref("label", "img://4x4", "coco2014"), "no-such-label"),
                TaggerTopologyTest.ref("explode-1", "img://4x4"));
        for (ImageRef ref : inputs) {
            send(ImageRef.newBuilder(ref).setContentType("image/png").build(), inputHeaders());
        }
        driver.advanceWallClockTime(Duration.ofMillis(200));

        List<ImageTagFailure> letters = dlq.readValuesToList();

        assertThat(letters)
                .extracting(ImageTagFailure::getReason)
                .containsExactly(
                        FailureReason.NOT_FOUND,
                        FailureReason.UNSUPPORTED_FORMAT,
                        FailureReason.UNKNOWN_VOCABULARY,
                        FailureReason.UNKNOWN_LABEL,
                        FailureReason.INFERENCE_FAILED);
        for (int i = 0; i < inputs.size(); i++) {
            ImageTagFailure letter = letters.get(i);
            assertThat(letter.getInput())
                    .as(letter.getReasonName())
                    .isEqualTo(ImageRef.newBuilder(inputs.get(i))
                            .setContentType("image/png")
                            .build());
            assertThat(letter.getRecordHeaders()).as(letter.getReasonName()).hasSize(4);
        }
        assertThat(letters.get(2).getInput().getVocabularyId()).isEqualTo("nope");
        assertThat(letters.get(2).getInput().getLabels()).containsExactly("cat", "dog");
    }

    @Test
    void shouldKeepRecordHeadersButNoInputForAnInputThatDidNotParse() {
        start(EventLimits.defaults());

        refs.pipeInput(new TestRecord<>("k", "not avro".getBytes(StandardCharsets.UTF_8), inputHeaders()));

        ImageTagFailure letter = dlq.readValue();
        assertThat(letter.getReason()).isEqualTo(FailureReason.INVALID_EVENT);
        assertThat(letter.getInput()).isNull();
        assertThat(letter.getRecordHeaders())
                .extracting(KafkaHeader::getKey)
                .containsExactly("traceparent", "tenant", "tenant", "empty");
    }

    @Test
    void shouldPutKafkaConnectErrorHeadersOnEveryDeadLetter() {
        start(EventLimits.defaults());
        send(TaggerTopologyTest.ref("ok", "img://4x4"), new RecordHeaders());
        refs.pipeInput("garbage", new byte[] {1, 2, 3});
        send(TaggerTopologyTest.ref("vocab", "img://4x4", "nope"), new RecordHeaders());
        driver.advanceWallClockTime(Duration.ofMillis(200));

        List<TestRecord<String, ImageTagFailure>> letters = dlq.readRecordsToList();

        assertThat(letters).hasSize(2);
        for (TestRecord<String, ImageTagFailure> letter : letters) {
            ImageTagFailure value = letter.value();
            assertThat(List.of(letter.headers().toArray()))
                    .extracting(Header::key, DeadLetterTopologyTest::text)
                    .containsExactly(
                            tuple(DeadLetterHeaders.TOPIC, IMAGE_REFS),
                            tuple(DeadLetterHeaders.PARTITION, String.valueOf(value.getSourcePartition())),
                            tuple(DeadLetterHeaders.OFFSET, String.valueOf(value.getSourceOffset())),
                            tuple(DeadLetterHeaders.EXCEPTION_MESSAGE, value.getMessage()),
                            tuple(DeadLetterHeaders.REASON, value.getReasonName()));
        }
        assertThat(text(letters.get(0).headers().lastHeader(DeadLetterHeaders.OFFSET)))
                .isEqualTo("1");
        assertThat(text(letters.get(0).headers().lastHeader(DeadLetterHeaders.REASON)))
                .isEqualTo("INVALID_EVENT");
        assertThat(text(letters.get(1).headers().lastHeader(DeadLetterHeaders.OFFSET)))
                .isEqualTo("2");
        assertThat(text(letters.get(1).headers().lastHeader(DeadLetterHeaders.PARTITION)))
                .isEqualTo("0");
        assertThat(text(letters.get(1).headers().lastHeader(DeadLetterHeaders.EXCEPTION_MESSAGE)))
                .contains("unknown vocabulary nope");
    }

    @Test
    void shouldDeadLetterRecordHeadersPastTheirLimitsWithoutCopyingThem() {
        start(EventLimits.defaults());
        Headers many = new RecordHeaders();
        for (int i = 0; i < 65; i++) {
            many.add("h" + i, new byte[] {1});
        }
        Headers large = new RecordHeaders().add("big", new byte[16_385]);

        send(TaggerTopologyTest.ref("many", "img://4x4"), many);
        send(TaggerTopologyTest.ref("large", "img://4x4"), large);
        send(TaggerTopologyTest.ref("fine", "img://4x4"), inputHeaders());
        driver.advanceWallClockTime(Duration.ofMillis(200));

        List<TestRecord<String, ImageTagFailure>> letters = dlq.readRecordsToList();
        assertThat(letters).extracting(TestRecord::key).containsExactly("many", "large");
        assertThat(letters.get(0).value().getMessage())
                .contains("65 record headers exceed the limit of 64", "recordHeaders dropped (65 entries, 250 bytes)");
        assertThat(letters.get(1).value().getMessage())
                .contains("record headers of 16388 bytes exceed the limit of 16384", "recordHeaders dropped");
        for (TestRecord<String, ImageTagFailure> letter : letters) {
            assertThat(letter.value().getRecordHeaders()).isNull();
            assertThat(letter.value().getInput())
                    .as("the event itself is within its limits")
                    .isNotNull();
            assertThat(List.of(letter.headers().toArray()))
                    .extracting(Header::key)
                    .allSatisfy(key -> assertThat(key).startsWith(DeadLetterHeaders.PREFIX));
        }
        assertThat(tags.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("fine");
    }

    @Test
    void shouldDropTheInputOfAnEventPastAnInputLimitSayingSo() {
        start(EventLimits.defaults());

        send(
                withLabels(TaggerTopologyTest.ref("labels", "img://4x4"), Collections.nCopies(1025, "cat")),
                inputHeaders());

        ImageTagFailure letter = dlq.readValue();
        assertThat(letter.getInput()).isNull();
        assertThat(letter.getRawValue()).isNotNull();
        assertThat(letter.getRecordHeaders()).hasSize(4);
        assertThat(letter.getMessage())
                .contains("1025 labels exceed the limit of 1024", "input dropped (past an input limit)");
    }

    @Test
    void shouldDropInputAndRecordHeadersFromADeadLetterPastTheOutputLimitSayingSo() {
        // small limits: a dead letter with id, URI, headers and raw value at their limits fits in 16 KiB
        EventLimits limits = new EventLimits(64, 256, 8, 1024, 1024, 256, 64, 16 * 1024);
        start(limits);
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            labels.add("label-number-" + i);
        }
        Headers headers = new RecordHeaders().add("traceparent", TRACEPARENT.getBytes(StandardCharsets.UTF_8));

        send(withLabels(TaggerTopologyTest.ref("vocab", "img://4x4", "nope"), labels), headers);
        driver.advanceWallClockTime(Duration.ofMillis(200));

        TestRecord<String, ImageTagFailure> letter = dlq.readRecord();
        assertThat(letter.key()).isEqualTo("vocab");
        assertThat(letter.value().getReason()).isEqualTo(FailureReason.UNKNOWN_VOCABULARY);
        assertThat(letter.value().getInput()).isNull();
        assertThat(letter.value().getRecordHeaders()).isNull();
        assertThat(letter.value().getUri()).as("the fields from before stay").isEqualTo("img://4x4");
        assertThat(letter.value().getMessage())
                .contains("unknown vocabulary nope")
                .containsPattern("; input and recordHeaders dropped: the dead letter was \\d+ bytes$");
        assertThat(letter.headers().lastHeader("traceparent"))
                .as("the record's headers go with recordHeaders")
                .isNull();
        assertThat(letter.headers().lastHeader(DeadLetterHeaders.REASON)).isNotNull();
        assertThat(EventMapper.recordBytes(letter.key(), letter.value(), letter.headers()))
                .isLessThanOrEqualTo(limits.maxOutputBytes());
    }

    /** traceparent, a repeated key, binary values and a header without a value. */
    private static Headers inputHeaders() {
        return new RecordHeaders(new Header[] {
            new RecordHeader("traceparent", TRACEPARENT.getBytes(StandardCharsets.UTF_8)),
            new RecordHeader("tenant", new byte[] {'a', (byte) 0xff, 0}),
            new RecordHeader("tenant", new byte[] {'b'}),
            new RecordHeader("empty", null)
        });
    }

    private void send(ImageRef ref, Headers headers) {
        harness.send(ref, headers);
    }

    private static ImageRef withLabels(ImageRef ref, String... labels) {
        return withLabels(ref, List.of(labels));
    }

    private static ImageRef withLabels(ImageRef ref, List<String> labels) {
        return ImageRef.newBuilder(ref).setLabels(labels).build();
    }

    private static String text(Header header) {
        return new String(header.value(), StandardCharsets.UTF_8);
    }
}
