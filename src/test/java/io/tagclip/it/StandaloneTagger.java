package io.tagclip.it;

import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.fetch.FetchSettings;
import io.tagclip.fetch.UriImageLoader;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.serde.SchemaRegistryClient;
import io.tagclip.serde.SerdeConfig;
import io.tagclip.streams.FakePipeline;
import io.tagclip.streams.FetchingBatchTagger;
import io.tagclip.streams.FlushBound;
import io.tagclip.streams.InferenceWorker;
import io.tagclip.streams.OutputSchemas;
import io.tagclip.streams.TaggerMetrics;
import io.tagclip.streams.TaggerTopology;
import io.tagclip.streams.TopologySettings;
import io.tagclip.testing.LocalStack;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

/**
 * The stream tagger as its own process, for the crash test: the production topology, fetcher and serdes with the
 * deterministic {@link FakePipeline} (slowed down so that a kill lands mid-stream) in place of the model.
 *
 * <p>Arguments: bootstrap servers, registry URL, application id, input, output and dead-letter topics, state dir,
 * pipeline delay in milliseconds. Prints {@code RUNNING} once Kafka Streams runs.
 */
public final class StandaloneTagger {

    private static final Duration INFERENCE_TIMEOUT = Duration.ofSeconds(5);
    /** Short, so that the transaction a killed process left open is aborted soon. */
    private static final Duration TRANSACTION_TIMEOUT = Duration.ofSeconds(15);

    /** System property naming the processing guarantee ({@code exactly_once_v2} unless set). */
    static final String GUARANTEE_PROPERTY = "guarantee";

    /**
     * Commit interval under at_least_once: long enough that no offset is committed before the crash test's kill (a
     * few seconds in), so that what was published before it is published again after the restart.
     */
    static final Duration AT_LEAST_ONCE_COMMIT_INTERVAL = Duration.ofMinutes(2);

    private StandaloneTagger() {}

    /**
     * Starts a tagger process of this class on {@code stack}'s broker and registry, its output in {@code log}.
     *
     * @param heap            the process's maximum heap, e.g. {@code 512m}
     * @param guarantee       Kafka Streams' processing guarantee
     * @param pipelineDelayMs how long each pipeline call waits, so that a test can kill the process mid-stream
     */
    static Process start(
            LocalStack stack,
            ItSupport.Topics topics,
            String applicationId,
            Path stateDir,
            String heap,
            String guarantee,
            long pipelineDelayMs,
            Path log)
            throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(
                java,
                "-Xmx" + heap,
                "-XX:TieredStopAtLevel=1",
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                "-D" + GUARANTEE_PROPERTY + "=" + guarantee,
                "-cp",
                System.getProperty("java.class.path"),
                StandaloneTagger.class.getName(),
                stack.bootstrapServers(),
                stack.registryUrl(),
                applicationId,
                topics.input(),
                topics.output(),
                topics.dlq(),
                stateDir.toString(),
                Long.toString(pipelineDelayMs));
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    public static void main(String[] args) throws InterruptedException {
        String bootstrap = args[0];
        String registryUrl = args[1];
        String applicationId = args[2];
        TopologySettings settings = new TopologySettings(args[3], args[4], args[5], 8, Duration.ofMillis(200));
        String stateDir = args[6];
        long delayMillis = Long.parseLong(args[7]);

        TaggerMetrics metrics = TaggerMetrics.noop();
        TaggingPipeline pipeline = slowed(new FakePipeline(), delayMillis);
        InferenceWorker worker = new InferenceWorker(pipeline, 4, 32, INFERENCE_TIMEOUT, metrics);
        ExecutorService fetchPool = Executors.newFixedThreadPool(16);
        FetchSettings fetch = ItSupport.fetchSettingsAllowingLoopback();
        // the same start-up check as the service: one flush must fit into the transaction (15 s below)
        FlushBound.check(
                FlushBound.of(fetch, 8, 2, 16, INFERENCE_TIMEOUT), Duration.ofMinutes(5), TRANSACTION_TIMEOUT, true);
        FetchingBatchTagger tagger = new FetchingBatchTagger(new UriImageLoader(fetch), fetchPool, worker, metrics);

        Map<String, Object> serdeConfig = Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl);
        SchemaRegistryClient registry = SchemaRegistryClient.create(SerdeConfig.from(serdeConfig));
        OutputSchemas.register(registry, settings);
        KafkaStreams streams = new KafkaStreams(
                TaggerTopology.build(
                        settings,
                        ItSupport.serde(ImageRef.class, registry, serdeConfig).deserializer(),
                        ItSupport.serde(ImageTags.class, registry, serdeConfig).serializer(),
                        ItSupport.serde(ImageTagFailure.class, registry, serdeConfig)
                                .serializer(),
                        tagger,
                        metrics),
                properties(bootstrap, applicationId, stateDir));
        CountDownLatch stopped = new CountDownLatch(1);
        streams.setStateListener((now, before) -> {
            System.out.println(LocalTime.now() + " STATE " + now);
            if (now == KafkaStreams.State.RUNNING) {
                System.out.println("RUNNING");
            }
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                stopped.countDown();
            }
        });
        streams.setUncaughtExceptionHandler(e -> {
            System.out.println(LocalTime.now() + " stream thread failed:");
            e.printStackTrace(System.out);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        Runtime.getRuntime().addShutdownHook(new Thread(streams::close));
        streams.start();
        stopped.await();
        fetchPool.shutdownNow();
    }

    static Properties properties(String bootstrap, String applicationId, String stateDir) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        String guarantee = System.getProperty(GUARANTEE_PROPERTY, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        if (guarantee.equals(StreamsConfig.AT_LEAST_ONCE)) {
            props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, AT_LEAST_ONCE_COMMIT_INTERVAL.toMillis());
        }
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        // A killed member must leave the group quickly; the broker's minimum is 6 s.
        props.put(StreamsConfig.consumerPrefix("session.timeout.ms"), 6000);
        props.put(StreamsConfig.consumerPrefix("heartbeat.interval.ms"), 1000);
        props.put(StreamsConfig.producerPrefix("transaction.timeout.ms"), (int) TRANSACTION_TIMEOUT.toMillis());
        return props;
    }

    private static TaggingPipeline slowed(TaggingPipeline pipeline, long delayMillis) {
        return new TaggingPipeline() {
            @Override
            public List<TagResult> tag(List<ImageRequest> requests) {
                try {
                    Thread.sleep(delayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
                return pipeline.tag(requests);
            }
        };
    }
}
