package io.tagclip.app;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Says, for readiness, what Kafka Streams waits for while it is not running: brokers it cannot reach, or an input
 * topic that does not exist (yet). Neither is a reason to restart the pod, so liveness ignores both; but an operator
 * reading {@code /q/health/ready} should not have to guess which one it is. The answer comes from one
 * {@code listTopics} call of an admin client with Kafka Streams' own settings (security included), bounded by
 * {@link #TIMEOUT} and made at most once per {@link #EVERY}, only while Kafka Streams is not running.
 */
@Singleton
public class KafkaWait {

    /** Longest a readiness call waits for the brokers. */
    static final Duration TIMEOUT = Duration.ofSeconds(2);

    /** Least time between two probes; readiness shows the last answer in between. */
    static final Duration EVERY = Duration.ofSeconds(5);

    /** The topic names of the cluster, or an exception when the brokers do not answer within the timeout. */
    interface Cluster extends AutoCloseable {
        Set<String> topicNames(Duration timeout) throws Exception;

        @Override
        void close();
    }

    private final String inputTopic;
    private final Instance<StreamsConfig> streamsConfig;
    private Cluster cluster;
    private String last = "not probed yet";
    private long lastAt;

    @Inject
    public KafkaWait(TaggerConfig config, Instance<StreamsConfig> streamsConfig) {
        this.inputTopic = config.topics().input();
        this.streamsConfig = streamsConfig;
    }

    KafkaWait(String inputTopic, Cluster cluster) {
        this.inputTopic = inputTopic;
        this.streamsConfig = null;
        this.cluster = cluster;
    }

    /** {@code running} in state RUNNING; otherwise what Kafka Streams waits for (probed at most every 5 s). */
    public synchronized String describe(KafkaStreams.State state) {
        if (state == KafkaStreams.State.RUNNING) {
            return "running";
        }
        long now = System.nanoTime();
        if (lastAt == 0 || now - lastAt >= EVERY.toNanos()) {
            last = probe();
            lastAt = now == 0 ? 1 : now;
        }
        return last;
    }

    private String probe() {
        if (cluster == null) {
            if (streamsConfig == null || !streamsConfig.isResolvable()) {
                return "Kafka Streams not configured yet";
            }
            cluster = adminCluster(streamsConfig.get());
        }
        return probe(cluster, inputTopic, TIMEOUT);
    }

    /** One probe: which of the brokers and the input topic is missing, or neither. */
    static String probe(Cluster cluster, String inputTopic, Duration timeout) {
        Set<String> names;
        try {
            names = cluster.topicNames(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "not probed: interrupted";
        } catch (Exception e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            return "brokers unreachable: " + cause.getClass().getSimpleName() + ": " + cause.getMessage();
        }
        return names.contains(inputTopic)
                ? "brokers reachable, input topic " + inputTopic + " exists; waiting for partitions"
                : "input topic missing: " + inputTopic + " (the brokers answer; create the topic)";
    }

    /** A cluster seen through an admin client with Kafka Streams' settings. */
    static Cluster adminCluster(StreamsConfig config) {
        Admin admin = Admin.create(config.getAdminConfigs("tagger-kafka-wait"));
        return new Cluster() {
            @Override
            public Set<String> topicNames(Duration timeout) throws Exception {
                return admin.listTopics(new ListTopicsOptions().timeoutMs((int) timeout.toMillis()))
                        .names()
                        .get(timeout.toMillis() + 500, TimeUnit.MILLISECONDS);
            }

            @Override
            public void close() {
                admin.close(Duration.ofSeconds(1));
            }
        };
    }

    @PreDestroy
    synchronized void close() {
        if (cluster != null) {
            cluster.close();
        }
    }
}
