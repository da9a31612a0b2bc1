package io.tagclip.app;

import io.tagclip.serde.SchemaRegistryClient;
import io.tagclip.streams.OutputSchemas;
import io.tagclip.streams.TopologySettings;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import java.time.Duration;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * Keeps the service unready, and its Kafka Streams paused, until the schema registry has answered for the output
 * schemas (registered, or looked up with {@code auto.register.schemas=false}). A registry that is down at start is
 * retried with doubling back-off, each attempt logged, instead of ending the process: under Kubernetes the pod
 * waits, unready, rather than crash-looping. Paused, Kafka Streams keeps its group membership but processes nothing,
 * so no record meets an unreachable registry.
 */
@ApplicationScoped
public class RegistryGate {

    private static final Logger LOG = Logger.getLogger(RegistryGate.class);

    private final Duration initialBackoff;
    private final Duration maxBackoff;

    private KafkaStreams streams;
    private boolean open;
    private String lastError = "not tried yet";
    private Thread worker;

    @Inject
    public RegistryGate(TaggerConfig config) {
        this(config.registry().initialBackoff(), config.registry().maxBackoff());
    }

    RegistryGate(Duration initialBackoff, Duration maxBackoff) {
        this.initialBackoff = positive(initialBackoff, "tagger.registry.initial-backoff");
        this.maxBackoff = positive(maxBackoff, "tagger.registry.max-backoff");
    }

    /** Starts trying, on its own thread, to prepare the output schemas; returns at once. */
    synchronized void start(
            SchemaRegistryClient registry, TopologySettings settings, boolean autoRegister, boolean useLatestVersion) {
        if (worker != null) {
            return;
        }
        worker = new Thread(
                () -> prepareUntilDone(registry, settings, autoRegister, useLatestVersion), "tagger-registry-gate");
        worker.setDaemon(true);
        worker.start();
    }

    private void prepareUntilDone(
            SchemaRegistryClient registry, TopologySettings settings, boolean autoRegister, boolean useLatestVersion) {
        Duration backoff = initialBackoff;
        for (int attempt = 1; ; attempt++) {
            try {
                OutputSchemas.prepare(registry, settings, autoRegister, useLatestVersion);
                LOG.infof(
                        "schema registry: output schemas %s (attempt %d)",
                        autoRegister ? "registered" : "found", attempt);
                opened();
                return;
            } catch (RuntimeException e) {
                synchronized (this) {
                    lastError = e.getMessage();
                }
                LOG.warnf(
                        "schema registry: attempt %d failed, next in %d ms, staying unready: %s",
                        attempt, backoff.toMillis(), e.getMessage());
            }
            try {
                Thread.sleep(backoff.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return; // shutting down
            }
            backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
        }
    }

    private synchronized void opened() {
        open = true;
        if (streams != null) {
            streams.resume();
            LOG.info("schema registry reachable: Kafka Streams resumed");
        }
    }

    /** Pauses Kafka Streams before Quarkus starts it, unless the schemas are ready already. */
    synchronized void onStreams(@Observes KafkaStreams created) {
        this.streams = created;
        if (!open) {
            created.pause();
            LOG.info("Kafka Streams paused until the schema registry answers");
        }
    }

    /** True once the output schemas are registered or found. */
    public synchronized boolean isOpen() {
        return open;
    }

    @Produces
    @Readiness
    HealthCheck registryReady() {
        return () -> {
            synchronized (this) {
                return HealthCheckResponse.named("schema-registry")
                        .status(open)
                        .withData("output-schemas", open ? "ready" : "waiting: " + lastError)
                        .build();
            }
        };
    }

    @PreDestroy
    synchronized void stop() {
        if (worker != null) {
            worker.interrupt();
        }
    }

    private static Duration positive(Duration d, String key) {
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(key + " must be positive, got " + d);
        }
        return d;
    }
}
