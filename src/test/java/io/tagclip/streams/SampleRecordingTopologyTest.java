package io.tagclip.streams;

import static io.tagclip.streams.TaggerTopology.IMAGE_REFS;
import static io.tagclip.streams.TaggerTopology.IMAGE_SAMPLES;
import static io.tagclip.streams.TaggerTopology.IMAGE_TAGS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.avro.TrainingSample;
import io.tagclip.fetch.ImageLoader;
import io.tagclip.image.RgbImage;
import io.tagclip.pipeline.OnlineSample;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The samples sink: a sample the pipeline attached goes to the samples topic, keyed by image id, beside its answer. */
class SampleRecordingTopologyTest {

    private static final ImageLoader LOADER = (uri, claimedType) -> new RgbImage(4, 4, new byte[4 * 4 * 3]);

    /** {@link FakePipeline}'s answers, with a sample attached to every id that starts with "s-". */
    private static final TaggingPipeline SAMPLING = requests -> new FakePipeline()
            .tag(requests).stream()
                    .map(r -> r instanceof TagResult.Tagged t && t.id().startsWith("s-")
                            ? t.withSample(new OnlineSample(
                                    "fake-model",
                                    "rev",
                                    224,
                                    "fake-vocab",
                                    "v1",
                                    "tagclip",
                                    new float[] {0.6f, 0.8f},
                                    new float[] {0.25f, 1f, 0.5f}))
                            : r)
                    .toList();

    private final PlainAvroSerde<ImageRef> refSerde = new PlainAvroSerde<>(ImageRef.getClassSchema());
    private final PlainAvroSerde<ImageTags> tagsSerde = new PlainAvroSerde<>(ImageTags.getClassSchema());
    private final PlainAvroSerde<ImageTagFailure> failureSerde = new PlainAvroSerde<>(ImageTagFailure.getClassSchema());
    private final PlainAvroSerde<TrainingSample> sampleSerde = new PlainAvroSerde<>(TrainingSample.getClassSchema());
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ExecutorService fetchPool = Executors.newFixedThreadPool(2);
    private InferenceWorker worker;
    private TopologyTestDriver driver;

    @AfterEach
    void tearDown() {
        if (driver != null) {
            driver.close();
        }
        if (worker != null) {
            worker.close();
        }
        fetchPool.shutdownNow();
    }

    private void start(TopologySettings settings) {
        TaggerMetrics metrics = new TaggerMetrics(registry);
        worker = new InferenceWorker(SAMPLING, 4, 16, Duration.ofSeconds(30), metrics);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "samples-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(
                TaggerTopology.build(
                        settings,
                        refSerde.deserializer(),
                        tagsSerde.serializer(),
                        failureSerde.serializer(),
                        sampleSerde.serializer(),
                        new FetchingBatchTagger(LOADER, fetchPool, worker, metrics),
                        metrics),
                props);
    }

    private void send(String... ids) {
        TestInputTopic<String, byte[]> refs = driver.createInputTopic(
                IMAGE_REFS, Serdes.String().serializer(), Serdes.ByteArray().serializer());
        for (String id : ids) {
            ImageRef ref = ImageRef.newBuilder()
                    .setId(id)
                    .setUri("img://4x4")
                    .setProducedAt(Instant.EPOCH)
                    .build();
            refs.pipeInput(id, refSerde.serializer().serialize(IMAGE_REFS, ref));
        }
    }

    private TestOutputTopic<String, TrainingSample> samples() {
        return driver.createOutputTopic(IMAGE_SAMPLES, Serdes.String().deserializer(), sampleSerde.deserializer());
    }

    @Test
    void shouldWriteEachAttachedSampleToTheSamplesTopicKeyedByImageId() {
        start(TopologySettings.defaults(4, Duration.ofMillis(200)).withSamplesTopic(IMAGE_SAMPLES));
        send("s-1", "plain", "s-2", "other");

        List<TestRecord<String, TrainingSample>> recorded = samples().readRecordsToList();
        List<TestRecord<String, ImageTags>> tags = driver.createOutputTopic(
                        IMAGE_TAGS, Serdes.String().deserializer(), tagsSerde.deserializer())
                .readRecordsToList();

        assertThat(tags).extracting(TestRecord::key).containsExactly("s-1", "plain", "s-2", "other");
        assertThat(recorded).extracting(TestRecord::key).containsExactly("s-1", "s-2");
        TrainingSample first = recorded.get(0).value();
        assertThat(first.getId()).isEqualTo("s-1");
        assertThat(first.getFeatures()).containsExactly(0.6f, 0.8f);
        assertThat(first.getScores()).containsExactly(0.25f, 1f, 0.5f);
        assertThat(first.getTeacher()).isEqualTo("tagclip");
        assertThat(first.getModelRevision()).isEqualTo("rev");
        assertThat(registry.get("tagger.online.samples").counter().count()).isEqualTo(2.0);
        assertThat(registry.get("tagger.answers")
                        .tag("method", "tagclip")
                        .counter()
                        .count())
                .isEqualTo(4.0);
    }

    @Test
    void shouldWriteNoSampleWhenNoSamplesTopicIsSet() {
        start(TopologySettings.defaults(4, Duration.ofMillis(200)));
        send("s-1", "s-2", "s-3", "s-4");

        assertThat(samples().isEmpty()).isTrue();
        assertThat(registry.get("tagger.images")
                        .tag("result", "tagged")
                        .counter()
                        .count())
                .isEqualTo(4.0);
    }

    @Test
    void shouldRefuseASamplesTopicWithoutASerializer() {
        TopologySettings settings =
                TopologySettings.defaults(4, Duration.ofMillis(200)).withSamplesTopic("s");
        assertThatThrownBy(() -> TaggerTopology.build(
                        settings,
                        refSerde.deserializer(),
                        tagsSerde.serializer(),
                        failureSerde.serializer(),
                        null,
                        refs -> List.of(),
                        TaggerMetrics.noop()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("samples topic (s) needs a TrainingSample serializer");
    }
}
