package io.tagclip.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.streams.KafkaStreams.State;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The health logic in each state an orchestrator meets: starting, waiting for Kafka, running, failed. */
class TaggerHealthChecksTest {

    @ParameterizedTest
    @EnumSource(
            value = State.class,
            names = {"CREATED", "REBALANCING", "RUNNING", "PENDING_SHUTDOWN"})
    void shouldStayAliveWhileKafkaStreamsWaitsOrRuns(State state) {
        assertThat(TaggerHealthChecks.alive(true, state)).isTrue();
        assertThat(TaggerHealthChecks.alive(false, state))
                .as("inference worker stopped")
                .isFalse();
    }

    @ParameterizedTest
    @EnumSource(
            value = State.class,
            names = {"ERROR", "PENDING_ERROR", "NOT_RUNNING"})
    void shouldDieWhenKafkaStreamsFailedOrStopped(State state) {
        assertThat(TaggerHealthChecks.alive(true, state)).isFalse();
    }

    @Test
    void shouldBeAliveBeforeKafkaStreamsExists() {
        assertThat(TaggerHealthChecks.alive(true, null)).isTrue();
        assertThat(TaggerHealthChecks.ready(true, null)).isFalse();
    }

    @Test
    void shouldBeReadyOnlyOnceStartedAndRunning() {
        assertThat(TaggerHealthChecks.ready(true, State.RUNNING)).isTrue();
        assertThat(TaggerHealthChecks.ready(false, State.RUNNING))
                .as("model still loading")
                .isFalse();
        assertThat(TaggerHealthChecks.ready(true, State.REBALANCING)).isFalse();
        assertThat(TaggerHealthChecks.ready(true, State.CREATED)).isFalse();
    }

    @Test
    void shouldStartOnlyOnceTheModelIsWarmedUp() {
        StartupProgress progress = new StartupProgress();
        assertThat(progress.isStarted()).isFalse();
        progress.phase("loading the model");
        assertThat(progress.isStarted()).isFalse();
        assertThat(progress.phase()).isEqualTo("loading the model");
        progress.started();
        assertThat(progress.isStarted()).isTrue();
        assertThat(progress.phase()).isEqualTo("model loaded and warmed up");
    }

    @Test
    void shouldSayTheInputTopicIsMissingWhenTheBrokersAnswerWithoutIt() {
        assertThat(KafkaWait.probe(cluster(Set.of("image-tags", "image-refs-dlq")), "image-refs", Duration.ZERO))
                .isEqualTo("input topic missing: image-refs (the brokers answer; create the topic)");
        assertThat(KafkaWait.probe(cluster(Set.of("image-refs")), "image-refs", Duration.ZERO))
                .isEqualTo("brokers reachable, input topic image-refs exists; waiting for partitions");
    }

    @Test
    void shouldSayTheBrokersAreUnreachableWhenTheyDoNotAnswer() {
        KafkaWait.Cluster down = new KafkaWait.Cluster() {
            @Override
            public Set<String> topicNames(Duration timeout) {
                throw new TimeoutException("Timed out waiting for a node assignment. Call: listTopics");
            }

            @Override
            public void close() {}
        };
        assertThat(KafkaWait.probe(down, "image-refs", Duration.ZERO))
                .isEqualTo("brokers unreachable: TimeoutException: Timed out waiting for a node assignment. Call:"
                        + " listTopics");
    }

    @Test
    void shouldProbeAtMostEveryFewSecondsAndNotWhileRunning() {
        AtomicInteger calls = new AtomicInteger();
        KafkaWait.Cluster counting = new KafkaWait.Cluster() {
            @Override
            public Set<String> topicNames(Duration timeout) {
                calls.incrementAndGet();
                return Set.of();
            }

            @Override
            public void close() {}
        };
        KafkaWait wait = new KafkaWait("image-refs", counting);

        assertThat(wait.describe(State.RUNNING)).isEqualTo("running");
        assertThat(calls).hasValue(0);
        assertThat(wait.describe(State.CREATED)).startsWith("input topic missing: image-refs");
        assertThat(wait.describe(State.REBALANCING)).startsWith("input topic missing: image-refs");
        assertThat(calls).hasValue(1);
    }

    /** A real admin client with Kafka Streams' settings, against a port nothing listens on. */
    @Test
    void shouldSayTheBrokersAreUnreachableWithARealClient() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        StreamsConfig config = new StreamsConfig(Map.of(
                StreamsConfig.APPLICATION_ID_CONFIG,
                "health-test",
                StreamsConfig.BOOTSTRAP_SERVERS_CONFIG,
                "127.0.0.1:" + port));
        try (KafkaWait.Cluster cluster = KafkaWait.adminCluster(config)) {
            assertThat(KafkaWait.probe(cluster, "image-refs", Duration.ofSeconds(1)))
                    .startsWith("brokers unreachable: TimeoutException: ");
        }
    }

    private static KafkaWait.Cluster cluster(Set<String> topics) {
        return new KafkaWait.Cluster() {
            @Override
            public Set<String> topicNames(Duration timeout) {
                return topics;
            }

            @Override
            public void close() {}
        };
    }
}
