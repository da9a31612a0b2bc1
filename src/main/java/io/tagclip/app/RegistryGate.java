package io.tagclip.app;

import io.tagclip.serde.SchemaRegistryClient;
import io.tagclip.streams.MicroBatchProcessor;
import io.tagclip.streams.OutputSchemas;
import io.tagclip.streams.TopologySettings;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Optional;
import org.apache.kafka.common.errors.DisconnectException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.MissingSourceTopicException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
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
 *
 * <p>Later outages are the stream threads' to meet: the gate is also Kafka Streams' uncaught-exception handler. A
 * thread that failed on an unreachable registry, a missing source topic or unreachable brokers is replaced after a
 * doubling back-off, and readiness says which of them is out while it lasts; liveness stays UP, because a restart
 * would not bring the registry, the topic or the brokers back. Any other failure stops Kafka Streams (liveness DOWN).
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
    /** Why the registry is unreachable since a stream thread met it so, or null while it answers. */
    private String outage;

    /** What Kafka Streams waits for (a topic, the brokers) since a stream thread failed on it, until it runs again. */
    private String kafkaOutage;

    private Duration kafkaBackoff;

    private Duration outageBackoff;
    private SchemaRegistryClient registry;
    private TopologySettings settings;
    private boolean autoRegister;
    private boolean useLatestVersion;

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
        this.registry = registry;
        this.settings = settings;
        this.autoRegister = autoRegister;
        this.useLatestVersion = useLatestVersion;
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
            backoff = doubled(backoff);
        }
    }

    private synchronized void opened() {
        open = true;
        if (streams != null) {
            streams.resume();
            LOG.info("schema registry reachable: Kafka Streams resumed");
        }
    }

    /**
     * Pauses Kafka Streams before Quarkus starts it, unless the schemas are ready already, and installs the handler
     * that keeps a stream thread which met an unreachable registry (or broker) alive: it is replaced after a back-off
     * and redoes its uncommitted records, while readiness says the registry is out; any other failure stops the client.
     */
    synchronized void onStreams(@Observes KafkaStreams created) {
        this.streams = created;
        created.setUncaughtExceptionHandler(this::onStreamThreadFailure);
        if (!open) {
            created.pause();
            LOG.info("Kafka Streams paused until the schema registry answers");
        }
    }

    /**
     * A stream thread failed. A transient failure (the registry or the network unreachable, the registry answering
     * 5xx) is an outage, not a bad record: the thread waits one back-off (doubling up to {@code max-backoff} while the
     * outage lasts) and is replaced, so the records it had not committed are read again, never dead-lettered.
     */
    StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse onStreamThreadFailure(Throwable failure) {
        Optional<String> kafka = kafkaOutage(failure);
        if (kafka.isPresent()) {
            Duration wait;
            synchronized (this) {
                kafkaOutage = kafka.get();
                kafkaBackoff = kafkaBackoff == null ? initialBackoff : doubled(kafkaBackoff);
                wait = kafkaBackoff;
            }
            LOG.warnf("stream thread waits for Kafka, replacing it in %d ms: %s", wait.toMillis(), kafka.get());
            sleep(wait);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        }
        if (!MicroBatchProcessor.isTransient(failure)) {
            LOG.error("stream thread failed; stopping Kafka Streams (the pod's liveness goes DOWN)", failure);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        Duration wait = reportOutage(failure);
        LOG.warnf(
                "stream thread met an outage, replacing it in %d ms (its uncommitted records are redone): %s",
                wait.toMillis(), rootMessage(failure));
        sleep(wait);
        return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    /**
     * What a stream thread is waiting for when it failed because of Kafka rather than a record: a source topic that
     * does not exist (yet), or brokers it cannot reach in time.
     */
    static Optional<String> kafkaOutage(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof MissingSourceTopicException) {
                return Optional.of("input topic missing: " + t.getMessage());
            }
            if (t instanceof TimeoutException || t instanceof DisconnectException) {
                return Optional.of("brokers unreachable: " + t.getMessage());
            }
        }
        return Optional.empty();
    }

    private static void sleep(Duration wait) {
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Marks the registry out and starts probing it until it answers; returns how long the failed thread waits. */
    synchronized Duration reportOutage(Throwable failure) {
        boolean first = outage == null;
        outage = rootMessage(failure);
        outageBackoff = first ? initialBackoff : doubled(outageBackoff);
        if (first && registry != null) {
            Thread probe = new Thread(this::probeUntilAnswered, "tagger-registry-probe");
            probe.setDaemon(true);
            probe.start();
        }
        return outageBackoff;
    }

    private void probeUntilAnswered() {
        Duration backoff = initialBackoff;
        while (true) {
            try {
                OutputSchemas.prepare(registry, settings, autoRegister, useLatestVersion);
                synchronized (this) {
                    LOG.infof("schema registry answers again after an outage (%s)", outage);
                    outage = null;
                    outageBackoff = null;
                }
                return;
            } catch (RuntimeException e) {
                synchronized (this) {
                    outage = e.getMessage();
                }
            }
            try {
                Thread.sleep(backoff.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            backoff = doubled(backoff);
        }
    }

    private Duration doubled(Duration backoff) {
        return backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == failure ? String.valueOf(failure) : failure.getMessage() + " (" + root + ")";
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
                if (kafkaOutage != null && streams != null && streams.state() == KafkaStreams.State.RUNNING) {
                    kafkaOutage = null; // a replaced thread got its partitions: Kafka is back
                    kafkaBackoff = null;
                }
                return HealthCheckResponse.named("schema-registry")
                        .status(open && outage == null && kafkaOutage == null)
                        .withData("output-schemas", open ? "ready" : "waiting: " + lastError)
                        .withData("registry", outage == null ? "reachable" : "unreachable: " + outage)
                        .withData("kafka", kafkaOutage == null ? "no failure seen" : kafkaOutage)
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
