package io.tagclip.app;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import java.util.EnumSet;
import java.util.Set;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;
import org.eclipse.microprofile.health.Startup;

/**
 * Startup ({@code /q/health/started}): the model is loaded and warmed up (its text features made); a startup probe
 * waits for it before liveness counts. Readiness: started, and Kafka Streams is RUNNING; while it is not,
 * {@code kafka-wait} says what it waits for (brokers unreachable, or the input topic missing). Liveness: the inference
 * worker runs and Kafka Streams has not failed or stopped; waiting for brokers or a topic is not failing, since a
 * restart would bring neither back.
 */
@ApplicationScoped
public class TaggerHealthChecks {

    private static final Set<KafkaStreams.State> DEAD =
            EnumSet.of(KafkaStreams.State.ERROR, KafkaStreams.State.PENDING_ERROR, KafkaStreams.State.NOT_RUNNING);

    @Produces
    @Startup
    HealthCheck started(StartupProgress progress, TextFeatureStatus textFeatures) {
        return () -> HealthCheckResponse.named("tagger")
                .status(progress.isStarted())
                .withData("model", progress.phase())
                .withData("text-features", textFeatures.describe())
                .build();
    }

    @Produces
    @Readiness
    HealthCheck ready(
            StartupProgress progress,
            Instance<KafkaStreams> streams,
            TextFeatureStatus textFeatures,
            KafkaWait kafkaWait) {
        return () -> {
            KafkaStreams.State state = state(streams);
            var response = HealthCheckResponse.named("tagger")
                    .status(ready(progress.isStarted(), state))
                    .withData("pipeline", progress.isStarted() ? "warmed-up" : "loading")
                    .withData("text-features", textFeatures.describe())
                    .withData("kafka-streams", String.valueOf(state));
            if (state != KafkaStreams.State.RUNNING && state != null) {
                response.withData("kafka-wait", kafkaWait.describe(state));
            }
            return response.build();
        };
    }

    @Produces
    @Liveness
    HealthCheck live(TaggerRuntime runtime, Instance<KafkaStreams> streams) {
        return () -> {
            KafkaStreams.State state = state(streams);
            return HealthCheckResponse.named("tagger")
                    .status(alive(runtime.workerAlive(), state))
                    .withData("inference-worker", runtime.workerAlive() ? "running" : "stopped")
                    .withData("kafka-streams", String.valueOf(state))
                    .build();
        };
    }

    /** Ready: started and processing. */
    static boolean ready(boolean started, KafkaStreams.State state) {
        return started && state == KafkaStreams.State.RUNNING;
    }

    /**
     * Alive unless the worker stopped or Kafka Streams failed or was stopped: CREATED (waiting for the topics),
     * REBALANCING (waiting for brokers or partitions) and no Kafka Streams yet are all alive.
     */
    static boolean alive(boolean workerAlive, KafkaStreams.State state) {
        return workerAlive && !DEAD.contains(state);
    }

    private static KafkaStreams.State state(Instance<KafkaStreams> streams) {
        return streams.isResolvable() ? streams.get().state() : null;
    }
}
