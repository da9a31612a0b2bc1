package io.tagclip.app;

import io.opentelemetry.api.OpenTelemetry;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.avro.TrainingSample;
import io.tagclip.serde.SchemaRegistryClient;
import io.tagclip.serde.SerdeConfig;
import io.tagclip.serde.SpecificAvroSerde;
import io.tagclip.streams.EventLimits;
import io.tagclip.streams.EventTracer;
import io.tagclip.streams.FlushBound;
import io.tagclip.streams.TaggerTopology;
import io.tagclip.streams.TopologySettings;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.Topology;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/** Hands Quarkus the topology of {@link TaggerTopology}, built from the {@code tagger.*} configuration. */
@ApplicationScoped
public class TopologyProducer {

    private static final Logger LOG = Logger.getLogger(TopologyProducer.class);

    /** Prefix of the pass-through Kafka Streams settings. */
    private static final String KAFKA_STREAMS_PREFIX = "kafka-streams.";

    /** Kafka's default {@code max.poll.interval.ms}. */
    private static final long DEFAULT_MAX_POLL_INTERVAL_MS = 300_000;
    /** Kafka's default producer {@code max.request.size}. */
    private static final int DEFAULT_MAX_REQUEST_SIZE = 1_048_576;
    /** Kafka Streams' default {@code transaction.timeout.ms} under exactly-once. */
    private static final long DEFAULT_EOS_TRANSACTION_TIMEOUT_MS = 10_000;

    @Produces
    public Topology topology(
            TaggerConfig config, TaggerRuntime runtime, RegistryGate gate, Instance<OpenTelemetry> openTelemetry) {
        ConfigCheck.refuseIfWrong(config);
        TaggerConfig.Batch batch = config.batch();
        checkFlushBound(config);
        Map<String, String> serdeConfig = serdeConfig(config);
        SerdeConfig serde = SerdeConfig.from(serdeConfig);
        SchemaRegistryClient registry = SchemaRegistryClient.create(serde);
        TopologySettings settings = new TopologySettings(
                config.topics().input(),
                config.topics().output(),
                config.topics().dlq(),
                batch.maxSize(),
                batch.maxWait(),
                limits(config.limits()),
                config.online().enabled() ? config.online().samplesTopic() : null,
                new TopologySettings.Hold(
                        config.vocabularies().maxHold(), config.vocabularies().maxHeld()));
        // registered (or looked up) in the background: a registry that is down at start leaves the service unready
        gate.start(registry, settings, serde.autoRegister(), serde.useLatestVersion());
        return TaggerTopology.build(
                settings,
                serde(ImageRef.class, registry, serdeConfig).deserializer(),
                serde(ImageTags.class, registry, serdeConfig).serializer(),
                serde(ImageTagFailure.class, registry, serdeConfig).serializer(),
                serde(TrainingSample.class, registry, serdeConfig).serializer(),
                runtime.batchTagger(),
                runtime.metrics(),
                tracer(openTelemetry));
    }

    /** Key of Quarkus's OpenTelemetry switch; the service sets it true (application.properties). */
    static final String OTEL_DISABLED = "quarkus.otel.sdk.disabled";

    /** Spans for each event's steps when OpenTelemetry is switched on; otherwise none, at no cost. */
    static EventTracer tracer(Instance<OpenTelemetry> openTelemetry) {
        boolean disabled = ConfigProvider.getConfig()
                .getOptionalValue(OTEL_DISABLED, Boolean.class)
                .orElse(false);
        if (disabled || !openTelemetry.isResolvable()) {
            LOG.infof("tracing off (%s=true)", OTEL_DISABLED);
            return EventTracer.NONE;
        }
        LOG.info("tracing on: spans fetch, inference and produce for each event, continuing its traceparent header");
        return new OtelEventTracer(openTelemetry.get());
    }

    /** The limits, refused when outputs they let through would still be larger than the producer sends. */
    private static EventLimits limits(TaggerConfig.Limits l) {
        Config kafka = ConfigProvider.getConfig();
        int maxRequest = kafka.getOptionalValue("kafka-streams.producer.max.request.size", Integer.class)
                .or(() -> kafka.getOptionalValue("kafka-streams.max.request.size", Integer.class))
                .orElse(DEFAULT_MAX_REQUEST_SIZE);
        if (l.maxOutputBytes() > maxRequest) {
            throw new IllegalArgumentException(
                    "tagger.limits.max-output-bytes " + l.maxOutputBytes() + " exceeds the producer's max.request.size "
                            + maxRequest + ": lower it, or raise max.request.size");
        }
        return new EventLimits(
                l.maxIdBytes(),
                l.maxUriChars(),
                l.maxHeaders(),
                l.maxHeaderBytes(),
                l.maxLabels(),
                l.maxNameChars(),
                l.maxRawValueBytes(),
                l.maxOutputBytes(),
                l.maxExtraLabels(),
                l.maxExtraLabelChars());
    }

    private static <T extends SpecificRecord> SpecificAvroSerde<T> serde(
            Class<T> type, SchemaRegistryClient registry, Map<String, String> serdeConfig) {
        SpecificAvroSerde<T> serde = new SpecificAvroSerde<>(type, registry);
        serde.configure(serdeConfig, false);
        return serde;
    }

    /**
     * The serdes' settings: like any Kafka Streams application's, they are read from the Streams configuration
     * ({@code kafka-streams.*}, e.g. {@code kafka-streams.basic.auth.user.info} or
     * {@code kafka-streams.schema.registry.ssl.truststore.location}), with the registry URL from the tagger's tree.
     */
    static Map<String, String> serdeConfig(TaggerConfig config) {
        Config all = ConfigProvider.getConfig();
        Map<String, String> serdeConfig = new HashMap<>();
        for (String name : all.getPropertyNames()) {
            if (name.startsWith(KAFKA_STREAMS_PREFIX)) {
                all.getOptionalValue(name, String.class)
                        .ifPresent(value -> serdeConfig.put(name.substring(KAFKA_STREAMS_PREFIX.length()), value));
            }
        }
        serdeConfig.put(SerdeConfig.SCHEMA_REGISTRY_URL, config.schemaRegistryUrl());
        return serdeConfig;
    }

    /** The longest one flush can take with these settings ({@link FlushBound}); 125.2 s with the defaults. */
    static Duration flushBound(TaggerConfig config) {
        return FlushBound.of(
                TaggerRuntime.fetchSettings(config.fetch()),
                config.batch().maxSize(),
                config.streamThreads(),
                config.fetch().threads(),
                config.batch().inferenceTimeout());
    }

    /** Refuses to start when one flush could outlast the consumer's poll interval or the open transaction. */
    private static void checkFlushBound(TaggerConfig config) {
        Config kafka = ConfigProvider.getConfig();
        Duration maxPoll =
                Duration.ofMillis(kafka.getOptionalValue("kafka-streams.consumer.max.poll.interval.ms", Long.class)
                        .orElse(DEFAULT_MAX_POLL_INTERVAL_MS));
        Duration txTimeout =
                Duration.ofMillis(kafka.getOptionalValue("kafka-streams.producer.transaction.timeout.ms", Long.class)
                        .orElse(DEFAULT_EOS_TRANSACTION_TIMEOUT_MS));
        Duration bound = flushBound(config);
        FlushBound.check(bound, maxPoll, txTimeout, config.processingGuarantee().startsWith("exactly_once"));
        LOG.infof(
                "one flush takes at most %d ms (max.poll.interval.ms %d, transaction.timeout.ms %d)",
                bound.toMillis(), maxPoll.toMillis(), txTimeout.toMillis());
    }
}
