package io.tagclip.app;

import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.serde.SchemaRegistryClient;
import io.tagclip.serde.SerdeConfig;
import io.tagclip.serde.SpecificAvroSerde;
import io.tagclip.streams.FlushBound;
import io.tagclip.streams.OutputSchemas;
import io.tagclip.streams.TaggerTopology;
import io.tagclip.streams.TopologySettings;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Duration;
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

    /** Kafka's default {@code max.poll.interval.ms}. */
    private static final long DEFAULT_MAX_POLL_INTERVAL_MS = 300_000;
    /** Kafka Streams' default {@code transaction.timeout.ms} under exactly-once. */
    private static final long DEFAULT_EOS_TRANSACTION_TIMEOUT_MS = 10_000;

    @Produces
    public Topology topology(TaggerConfig config, TaggerRuntime runtime) {
        TaggerConfig.Batch batch = config.batch();
        checkFlushBound(config, runtime);
        SchemaRegistryClient registry = SchemaRegistryClient.create(
                SerdeConfig.from(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, config.schemaRegistryUrl())));
        TopologySettings settings = new TopologySettings(config.topics().input(), config.topics().output(),
                config.topics().dlq(), batch.maxSize(), batch.maxWait());
        OutputSchemas.register(registry, settings);
        return TaggerTopology.build(settings,
                serde(ImageRef.class, registry, config).deserializer(),
                serde(ImageTags.class, registry, config).serializer(),
                serde(ImageTagFailure.class, registry, config).serializer(),
                runtime.batchTagger(),
                runtime.metrics());
    }

    private static <T extends SpecificRecord> SpecificAvroSerde<T> serde(
            Class<T> type, SchemaRegistryClient registry, TaggerConfig config) {
        SpecificAvroSerde<T> serde = new SpecificAvroSerde<>(type, registry);
        serde.configure(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, config.schemaRegistryUrl()), false);
        return serde;
    }

    /** Refuses to start when one flush could outlast the consumer's poll interval or the open transaction. */
    private static void checkFlushBound(TaggerConfig config, TaggerRuntime runtime) {
        Config kafka = ConfigProvider.getConfig();
        Duration maxPoll = Duration.ofMillis(kafka.getOptionalValue("kafka-streams.consumer.max.poll.interval.ms", Long.class)
                .orElse(DEFAULT_MAX_POLL_INTERVAL_MS));
        Duration txTimeout = Duration.ofMillis(kafka.getOptionalValue("kafka-streams.producer.transaction.timeout.ms", Long.class)
                .orElse(DEFAULT_EOS_TRANSACTION_TIMEOUT_MS));
        Duration bound = FlushBound.of(runtime.fetchSettings(), config.batch().maxSize(), config.streamThreads(),
                config.fetch().threads(), config.batch().inferenceTimeout());
        FlushBound.check(bound, maxPoll, txTimeout, config.processingGuarantee().startsWith("exactly_once"));
        LOG.infof("one flush takes at most %d ms (max.poll.interval.ms %d, transaction.timeout.ms %d)",
                bound.toMillis(), maxPoll.toMillis(), txTimeout.toMillis());
    }
}
