package io.tagclip.app;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.tagclip.avro.VocabularyDefinition;
import io.tagclip.fleet.TopicFollower;
import io.tagclip.fleet.VocabularyFleet;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * The fleet's vocabularies in the service ({@code tagger.vocabularies.*}): a {@link VocabularyFleet} over the
 * pipeline, seeded with the built-in and configured vocabularies, and a {@link TopicFollower} on its own
 * thread. Readiness waits until the topic has been read to its end once (when the topic exists), so an instance
 * knows every vocabulary of the fleet before it takes events; its data lists each vocabulary's state and version.
 */
@Singleton
public class FleetVocabularies {

    private static final Logger LOG = Logger.getLogger(FleetVocabularies.class);

    private static final Duration POLL = Duration.ofMillis(200);

    /** Vocabularies listed one by one in the readiness data; the rest are counted. */
    private static final int LISTED = 50;

    private final TaggerConfig config;
    private final VocabularyFleet fleet;
    private TopicFollower<VocabularyDefinition> follower;
    private Thread thread;

    @Inject
    public FleetVocabularies(
            TaggerConfig config,
            Instance<TaggingPipeline> pipelines,
            MeterRegistry registry,
            TextFeatureStatus textFeatures) {
        this.config = config;
        this.fleet = new VocabularyFleet(
                pipelines.get(),
                Vocabularies.builtIn()
                        .resolve(config.model().vocabulary())
                        .all()
                        .all(),
                Executors.newSingleThreadExecutor(runnable -> {
                    Thread t = new Thread(runnable, "tagger-vocabulary-embedder");
                    t.setDaemon(true);
                    return t;
                }),
                System::currentTimeMillis,
                new VocabularyFleet.Listener() {
                    @Override
                    public void on(String message) {
                        LOG.info(message);
                    }

                    @Override
                    public void embedding(Vocabulary vocabulary) {
                        textFeatures.embeddingAdded(vocabulary.id());
                    }
                });
        for (VocabularyFleet.State state : VocabularyFleet.State.values()) {
            Gauge.builder(
                            "tagger.vocabularies",
                            fleet,
                            f -> f.entries().values().stream()
                                    .filter(e -> e.state() == state)
                                    .count())
                    .tag("state", state.name().toLowerCase(Locale.ROOT))
                    .description("Vocabularies of the fleet on this instance, by state")
                    .register(registry);
        }
    }

    /** Whether events of a vocabulary can be tagged now. */
    public VocabularyFleet fleet() {
        return fleet;
    }

    void start(@Observes StartupEvent event) {
        TaggerConfig.Vocabularies v = config.vocabularies();
        if (!v.enabled()) {
            LOG.info("vocabularies topic off (tagger.vocabularies.enabled=false): the seed vocabularies only");
            return;
        }
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                KafkaClients.consumerConfig(config, "tagger-vocabularies"),
                new StringDeserializer(),
                new ByteArrayDeserializer());
        follower = new TopicFollower<>(
                consumer,
                v.topic(),
                KafkaClients.deserializer(config, VocabularyDefinition.class),
                fleet,
                POLL,
                System::currentTimeMillis);
        thread = new Thread(follower, "tagger-vocabularies");
        thread.setDaemon(true);
        thread.start();
        LOG.infof("following vocabularies topic %s", v.topic());
    }

    @Produces
    @Readiness
    HealthCheck ready() {
        return () -> {
            HealthCheckResponseBuilder response = HealthCheckResponse.named("vocabularies")
                    .status(fleet.synced())
                    .withData(
                            "topic",
                            follower == null ? "off" : config.vocabularies().topic())
                    .withData("follower", follower == null ? "off" : follower.state());
            int listed = 0;
            Map<String, VocabularyFleet.Entry> entries = fleet.entries();
            for (VocabularyFleet.Entry e : entries.values()) {
                if (listed++ == LISTED) {
                    response.withData("more", entries.size() - LISTED);
                    break;
                }
                response.withData("vocabulary." + e.id(), describe(e));
            }
            return response.build();
        };
    }

    /** One vocabulary for the readiness data, e.g. {@code ready 3f2a9c01b2de (embedding 77aa01...)}. */
    static String describe(VocabularyFleet.Entry e) {
        StringBuilder sb = new StringBuilder(e.state().name().toLowerCase(Locale.ROOT));
        if (e.served() != null) {
            sb.append(' ').append(e.served());
        }
        if (e.wanted() != null && !e.wanted().equals(e.served())) {
            sb.append(" (embedding ").append(e.wanted()).append(')');
        }
        if (e.seed()) {
            sb.append(", seed");
        }
        if (!e.detail().isEmpty()) {
            sb.append(": ").append(e.detail());
        }
        return sb.toString();
    }

    @PreDestroy
    void close() {
        if (follower != null) {
            follower.stop();
            try {
                thread.join(Duration.ofSeconds(10).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        fleet.close();
    }
}
