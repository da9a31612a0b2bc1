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

/**
 * Readiness: the pipeline is loaded and warmed up (the text features of every configured vocabulary are made; while
 * they are, {@code text-features} says which vocabulary and how far) and Kafka Streams is RUNNING. Liveness: the inference worker runs
 * and Kafka Streams has not failed or stopped.
 */
@ApplicationScoped
public class TaggerHealthChecks {

    private static final Set<KafkaStreams.State> DEAD =
            EnumSet.of(KafkaStreams.State.ERROR, KafkaStreams.State.PENDING_ERROR, KafkaStreams.State.NOT_RUNNING);

    @Produces
    @Readiness
    HealthCheck ready(TaggerRuntime runtime, Instance<KafkaStreams> streams, TextFeatureStatus textFeatures) {
        return () -> {
            KafkaStreams.State state = state(streams);
            return HealthCheckResponse.named("tagger")
                    .status(runtime.warmedUp() && state == KafkaStreams.State.RUNNING)
                    .withData("pipeline", runtime.warmedUp() ? "warmed-up" : "loading")
                    .withData("text-features", textFeatures.describe())
                    .withData("kafka-streams", String.valueOf(state))
                    .build();
        };
    }

    @Produces
    @Liveness
    HealthCheck live(TaggerRuntime runtime, Instance<KafkaStreams> streams) {
        return () -> {
            KafkaStreams.State state = state(streams);
            return HealthCheckResponse.named("tagger")
                    .status(runtime.workerAlive() && !DEAD.contains(state))
                    .withData("inference-worker", runtime.workerAlive() ? "running" : "stopped")
                    .withData("kafka-streams", String.valueOf(state))
                    .build();
        };
    }

    private static KafkaStreams.State state(Instance<KafkaStreams> streams) {
        return streams.isResolvable() ? streams.get().state() : null;
    }
}
