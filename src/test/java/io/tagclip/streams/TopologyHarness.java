package io.tagclip.streams;

import static io.tagclip.streams.TaggerTopology.IMAGE_REFS;
import static io.tagclip.streams.TaggerTopology.IMAGE_REFS_DLQ;
import static io.tagclip.streams.TaggerTopology.IMAGE_TAGS;

import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.pipeline.VocabularyAvailability;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The service's topology in a {@link TopologyTestDriver}, on a {@link FakePipeline} behind the real fetching tagger
 * and inference worker ({@link TaggerTopologyTest#LOADER} fetches): the input topic as raw bytes, the two outputs read
 * with plain Avro serdes.
 */
final class TopologyHarness implements AutoCloseable {

    final PlainAvroSerde<ImageRef> refSerde = new PlainAvroSerde<>(ImageRef.getClassSchema());
    final TopologyTestDriver driver;
    final TestInputTopic<String, byte[]> refs;
    final TestOutputTopic<String, ImageTags> tags;
    final TestOutputTopic<String, ImageTagFailure> dlq;

    private final ExecutorService fetchPool = Executors.newFixedThreadPool(2);
    private final InferenceWorker worker;

    TopologyHarness(String applicationId, TopologySettings settings, VocabularyAvailability vocabularies) {
        PlainAvroSerde<ImageTags> tagsSerde = new PlainAvroSerde<>(ImageTags.getClassSchema());
        PlainAvroSerde<ImageTagFailure> failureSerde = new PlainAvroSerde<>(ImageTagFailure.getClassSchema());
        TaggerMetrics metrics = TaggerMetrics.noop();
        worker = new InferenceWorker(new FakePipeline(), 4, 16, Duration.ofSeconds(30), metrics);
        BatchTagger tagger =
                new FetchingBatchTagger(TaggerTopologyTest.LOADER, fetchPool, worker, metrics, vocabularies);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(
                TaggerTopology.build(
                        settings,
                        refSerde.deserializer(),
                        tagsSerde.serializer(),
                        failureSerde.serializer(),
                        tagger,
                        metrics),
                props);
        refs = driver.createInputTopic(
                IMAGE_REFS, Serdes.String().serializer(), Serdes.ByteArray().serializer());
        tags = driver.createOutputTopic(IMAGE_TAGS, Serdes.String().deserializer(), tagsSerde.deserializer());
        dlq = driver.createOutputTopic(IMAGE_REFS_DLQ, Serdes.String().deserializer(), failureSerde.deserializer());
    }

    /** Produces {@code ref}, keyed by its id, with {@code headers}. */
    void send(ImageRef ref, Headers headers) {
        refs.pipeInput(new TestRecord<>(ref.getId(), refSerde.serializer().serialize(IMAGE_REFS, ref), headers));
    }

    /** Produces {@code ref}, keyed by its id. */
    void send(ImageRef ref) {
        refs.pipeInput(ref.getId(), refSerde.serializer().serialize(IMAGE_REFS, ref));
    }

    @Override
    public void close() {
        driver.close();
        worker.close();
        fetchPool.shutdownNow();
    }
}
