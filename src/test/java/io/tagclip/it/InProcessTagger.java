package io.tagclip.it;

import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.fetch.UriImageLoader;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.serde.SchemaRegistryClient;
import io.tagclip.serde.SerdeConfig;
import io.tagclip.streams.FetchingBatchTagger;
import io.tagclip.streams.InferenceWorker;
import io.tagclip.streams.OutputSchemas;
import io.tagclip.streams.TaggerMetrics;
import io.tagclip.streams.TaggerTopology;
import io.tagclip.streams.TopologySettings;
import io.tagclip.testing.LocalStack;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The tagger's topology started in the test's JVM against the local stack, for the integration tests that give it
 * their own pipeline: exactly-once, the real HTTP fetcher (loopback allowed), an inference worker around
 * {@code pipeline}, the output schemas registered, micro-batches flushed after 200 ms. Closing it stops the streams
 * and releases the worker, the fetch threads and the registry client.
 */
final class InProcessTagger implements AutoCloseable {

    private final KafkaStreams streams;
    private final InferenceWorker worker;
    private final ExecutorService fetchPool;
    private final SchemaRegistryClient registry;

    private InProcessTagger(
            KafkaStreams streams, InferenceWorker worker, ExecutorService fetchPool, SchemaRegistryClient registry) {
        this.streams = streams;
        this.worker = worker;
        this.fetchPool = fetchPool;
        this.registry = registry;
    }

    /**
     * Builds and starts the topology on {@code topics}.
     *
     * @param maxBatch micro-batch size
     * @param streamsConfig settings on top of the defaults here (stream threads, handlers)
     */
    static InProcessTagger start(
            LocalStack stack,
            ItSupport.Topics topics,
            TaggingPipeline pipeline,
            int maxBatch,
            Map<String, Object> streamsConfig)
            throws IOException {
        TaggerMetrics metrics = TaggerMetrics.noop();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "it-" + topics.input());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(
                StreamsConfig.STATE_DIR_CONFIG,
                Files.createTempDirectory("streams-it").toString());
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        props.putAll(streamsConfig);
        Map<String, Object> serdeConfig = ItSupport.serdeConfig(stack);
        TopologySettings settings =
                new TopologySettings(topics.input(), topics.output(), topics.dlq(), maxBatch, Duration.ofMillis(200));
        SchemaRegistryClient registry = SchemaRegistryClient.create(SerdeConfig.from(serdeConfig));
        OutputSchemas.register(registry, settings);
        InferenceWorker worker = new InferenceWorker(pipeline, 4, 32, Duration.ofSeconds(10), metrics);
        ExecutorService fetchPool = Executors.newFixedThreadPool(4);
        FetchingBatchTagger tagger = new FetchingBatchTagger(
                new UriImageLoader(ItSupport.fetchSettingsAllowingLoopback()), fetchPool, worker, metrics);
        KafkaStreams streams = new KafkaStreams(
                TaggerTopology.build(
                        settings,
                        ItSupport.serde(ImageRef.class, registry, serdeConfig).deserializer(),
                        ItSupport.serde(ImageTags.class, registry, serdeConfig).serializer(),
                        ItSupport.serde(ImageTagFailure.class, registry, serdeConfig)
                                .serializer(),
                        tagger,
                        metrics),
                props);
        streams.start();
        return new InProcessTagger(streams, worker, fetchPool, registry);
    }

    /** The streams' state: RUNNING while they process records. */
    KafkaStreams.State state() {
        return streams.state();
    }

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(10));
        worker.close();
        fetchPool.shutdownNow();
        registry.close();
    }
}
