package io.tagclip.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.tagclip.avro.FailureReason;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.pipeline.Tag;
import io.tagclip.pipeline.TagResult;
import io.tagclip.serde.SerdeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedPunctuator;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MicroBatchProcessorTest {

    private static final String TOPIC = TaggerTopology.IMAGE_REFS;

    private final PlainAvroSerde<ImageRef> refSerde = new PlainAvroSerde<>(ImageRef.getClassSchema());
    private final List<List<String>> batches = new ArrayList<>();

    /** Tags every ref with its own id; fails ids starting with "bad" as NOT_FOUND. */
    private final BatchTagger tagger = refs -> {
        batches.add(refs.stream().map(ImageRef::getId).toList());
        return refs.stream()
                .<Outcome>map(r -> r.getId().startsWith("bad")
                        ? new Outcome.Failed(FailureReason.NOT_FOUND, "HTTP 404 from " + r.getUri(), 1)
                        : new Outcome.Tagged(
                                new TagResult.Tagged(
                                        r.getId(),
                                        List.of(new Tag(r.getId(), 1f, null)),
                                        Map.of(),
                                        FakePipeline.PROVENANCE,
                                        5),
                                2))
                .toList();
    };

    private MockProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<Long, PendingRef> store;
    private long nextOffset;

    @BeforeEach
    void setUp() {
        context = new MockProcessorContext<>();
        context.setCurrentSystemTimeMs(1_700_000_000_000L);
        store = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(TaggerTopology.BUFFER_STORE), Serdes.Long(), new PendingRefSerde())
                .withLoggingDisabled()
                .build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        KeyValueStore<Long, PendingRef> held = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(TaggerTopology.HELD_STORE), Serdes.Long(), new PendingRefSerde())
                .withLoggingDisabled()
                .build();
        held.init(context.getStateStoreContext(), held);
        context.addStateStore(held);
    }

    private MicroBatchProcessor processor(int maxBatchSize) {
        MicroBatchProcessor processor = new MicroBatchProcessor(
                TopologySettings.defaults(maxBatchSize, Duration.ofMillis(200)),
                refSerde.deserializer(),
                tagger,
                TaggerMetrics.noop());
        processor.init(context);
        return processor;
    }

    @Test
    void shouldFlushFullBatchImmediately() {
        MicroBatchProcessor processor = processor(3);

        process(processor, "a");
        process(processor, "b");
        assertThat(context.forwarded()).isEmpty();
        process(processor, "c");

        assertThat(batches).containsExactly(List.of("a", "b", "c"));
        assertThat(forwardedKeys()).containsExactly("a", "b", "c");
        assertThat(context.forwarded())
                .allSatisfy(f -> assertThat(f.childName()).contains(TaggerTopology.TAGS_SINK));
        assertThat(store.approximateNumEntries()).isZero();
    }

    @Test
    void shouldFlushPartialBatchOnPunctuation() {
        MicroBatchProcessor processor = processor(8);
        process(processor, "a");
        process(processor, "bad-b");
        assertThat(context.forwarded()).isEmpty();
        assertThat(store.approximateNumEntries()).isEqualTo(2);

        CapturedPunctuator punctuator = context.scheduledPunctuators().get(0);
        assertThat(punctuator.getType()).isEqualTo(PunctuationType.WALL_CLOCK_TIME);
        assertThat(punctuator.getInterval()).isEqualTo(Duration.ofMillis(200 / MicroBatchProcessor.TICKS_PER_MAX_WAIT));
        punctuator.getPunctuator().punctuate(System.currentTimeMillis());

        assertThat(forwardedKeys()).containsExactly("a", "bad-b");
        assertThat(context.forwarded().get(0).childName()).contains(TaggerTopology.TAGS_SINK);
        assertThat(context.forwarded().get(1).childName()).contains(TaggerTopology.DLQ_SINK);
        assertThat(store.approximateNumEntries()).isZero();
    }

    @Test
    void shouldKeepFillingPartialBatchUntilItsOldestRefHasWaitedMaxWait() {
        MicroBatchProcessor processor = processor(8);
        long arrival = context.currentSystemTimeMs();
        process(processor, "a");
        CapturedPunctuator punctuator = context.scheduledPunctuators().get(0);

        // ticks right after a long flush, before the batch's max wait: batch-mates may still come
        punctuator.getPunctuator().punctuate(arrival + 50);
        process(processor, "b");
        punctuator.getPunctuator().punctuate(arrival + 100);
        assertThat(batches).isEmpty();

        // the last tick before "a" would wait longer than 200 ms
        punctuator.getPunctuator().punctuate(arrival + 160);
        assertThat(batches).containsExactly(List.of("a", "b"));
    }

    @Test
    void shouldNotCallTaggerOnPunctuationWhenNothingIsBuffered() {
        processor(8);

        context.scheduledPunctuators().get(0).getPunctuator().punctuate(System.currentTimeMillis());

        assertThat(batches).isEmpty();
    }

    @Test
    void shouldFlushRefsRestoredFromChangelogAfterRestart() {
        MicroBatchProcessor beforeCrash = processor(8);
        process(beforeCrash, "x");
        process(beforeCrash, "y");

        // a new processor instance over the same store, as after a crash and changelog restore
        context.resetForwards();
        MockProcessorContext<String, SpecificRecord> restarted = context;
        restarted.scheduledPunctuators().clear();
        MicroBatchProcessor afterRestart = processor(8);
        restarted.scheduledPunctuators().get(0).getPunctuator().punctuate(System.currentTimeMillis());

        assertThat(forwardedKeys()).containsExactly("x", "y");
        assertThat(afterRestart).isNotSameAs(beforeCrash);
    }

    @Test
    void shouldCopyTheRecordHeadersOfRefsRestoredFromChangelogOntoTheirOutputs() {
        MicroBatchProcessor beforeCrash = processor(8);
        context.setRecordMetadata(TOPIC, 0, nextOffset++);
        ImageRef ref = TaggerTopologyTest.ref("x", "https://example.com/x.jpg");
        Record<byte[], byte[]> record =
                new Record<>("x".getBytes(), refSerde.serializer().serialize(TOPIC, ref), 1_699_999_999_000L);
        record.headers().add("traceparent", "00-trace-span-01".getBytes()).add("empty", null);
        beforeCrash.process(record);

        context.scheduledPunctuators().clear();
        processor(8); // a new instance over the same store, as after a crash and changelog restore
        context.scheduledPunctuators().get(0).getPunctuator().punctuate(System.currentTimeMillis());

        assertThat(context.forwarded()).singleElement().satisfies(f -> {
            assertThat(f.record().headers().lastHeader("traceparent").value()).isEqualTo("00-trace-span-01".getBytes());
            assertThat(f.record().headers().lastHeader("empty").value()).isNull();
        });
    }

    @Test
    void shouldCarryQueueAndFetchTimingsIntoTheOutput() {
        MicroBatchProcessor processor = processor(1);

        process(processor, "a");

        ImageTags tags = (ImageTags) context.forwarded().get(0).record().value();
        assertThat(tags.getTimings().getFetchMs()).isEqualTo(2);
        assertThat(tags.getTimings().getInferenceMs()).isEqualTo(5);
        assertThat(tags.getTimings().getQueueMs()).isEqualTo(1_000); // record timestamp to flush, on the mocked clock
    }

    @Test
    void shouldFailTheTaskInsteadOfDeadLetteringWhenTheRegistryIsDown() {
        Deserializer<ImageRef> registryDown = (topic, bytes) -> {
            throw new SerdeException("Schema registry refused GET /schemas/ids/7 with HTTP 503", null, 503, 0);
        };
        MicroBatchProcessor processor = new MicroBatchProcessor(
                TopologySettings.defaults(8, Duration.ofMillis(200)), registryDown, tagger, TaggerMetrics.noop());
        processor.init(context);
        context.setRecordMetadata(TOPIC, 0, 0);

        Assertions.assertThatThrownBy(
                        () -> processor.process(new Record<>(new byte[0], new byte[] {0, 0, 0, 0, 7}, 0L)))
                .isInstanceOf(SerdeException.class);
        assertThat(context.forwarded()).isEmpty();
    }

    @Test
    void shouldDeadLetterRecordWhoseSchemaIdTheRegistryDoesNotKnow() {
        Deserializer<ImageRef> unknownId = (topic, bytes) -> {
            throw new SerdeException("Schema registry refused GET /schemas/ids/7 with HTTP 404", null, 404, 40403);
        };
        MicroBatchProcessor processor = new MicroBatchProcessor(
                TopologySettings.defaults(8, Duration.ofMillis(200)), unknownId, tagger, TaggerMetrics.noop());
        processor.init(context);
        context.setRecordMetadata(TOPIC, 0, 0);

        processor.process(new Record<>(new byte[0], new byte[] {0, 0, 0, 0, 7}, 0L));

        assertThat(context.forwarded()).singleElement().satisfies(f -> {
            assertThat(f.childName()).contains(TaggerTopology.DLQ_SINK);
            assertThat(((ImageTagFailure) f.record().value()).getReason()).isEqualTo(FailureReason.INVALID_EVENT);
        });
    }

    private void process(MicroBatchProcessor processor, String id) {
        long offset = nextOffset++;
        context.setRecordMetadata(TOPIC, 0, offset);
        ImageRef ref = TaggerTopologyTest.ref(id, "https://example.com/" + id + ".jpg");
        processor.process(new Record<>(id.getBytes(), refSerde.serializer().serialize(TOPIC, ref), 1_699_999_999_000L));
    }

    private List<String> forwardedKeys() {
        return context.forwarded().stream().map(f -> (String) f.record().key()).toList();
    }
}
