package io.tagclip.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.serde.MockSchemaRegistry;
import io.tagclip.serde.RegisteredSchema;
import io.tagclip.serde.SchemaRegistryClient;
import io.tagclip.serde.SerdeException;
import io.tagclip.serde.Subjects;
import io.tagclip.streams.TopologySettings;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.MissingSourceTopicException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

class RegistryGateTest {

    /**
     * Refuses (503) as many registrations and look-ups as {@code refuseNext} holds, counting it down, then answers
     * like {@code backing}; {@code calls} counts them all.
     */
    private static SchemaRegistryClient refusing(
            AtomicInteger refuseNext, AtomicInteger calls, SchemaRegistryClient backing) {
        return new SchemaRegistryClient() {
            private void maybeFail() {
                calls.incrementAndGet();
                if (refuseNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    throw new SerdeException("Schema registry refused the connection", null, 503, 0);
                }
            }

            @Override
            public int register(String subject, Schema schema) {
                maybeFail();
                return backing.register(subject, schema);
            }

            @Override
            public int idOf(String subject, Schema schema) {
                maybeFail();
                return backing.idOf(subject, schema);
            }

            @Override
            public RegisteredSchema latest(String subject) {
                return backing.latest(subject);
            }

            @Override
            public Schema schemaById(int id) {
                return backing.schemaById(id);
            }
        };
    }

    @Test
    void shouldStayUnreadyAndPausedWhileTheRegistryIsDownThenResume() throws Exception {
        TopologySettings settings = TopologySettings.defaults(8, Duration.ofMillis(200));
        MockSchemaRegistry backing = MockSchemaRegistry.forScope("registry-gate-test");
        AtomicInteger calls = new AtomicInteger();
        RegistryGate gate = new RegistryGate(Duration.ofMillis(20), Duration.ofMillis(50));
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("in").to("out");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "registry-gate-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        try (KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
            gate.onStreams(streams); // before the first attempt: paused, unready
            assertThat(streams.isPaused()).isTrue();
            assertThat(gate.registryReady().call().getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);

            gate.start(refusing(new AtomicInteger(3), calls, backing), settings, true, false);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!gate.isOpen() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }

            assertThat(gate.isOpen()).isTrue();
            assertThat(calls.get())
                    .as("three refused attempts, then the two registrations")
                    .isEqualTo(5);
            assertThat(streams.isPaused()).isFalse();
            assertThat(gate.registryReady().call().getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
            assertThat(backing.idOf(Subjects.topicName(settings.outputTopic(), false), ImageTags.getClassSchema()))
                    .isPositive();
            assertThat(backing.idOf(Subjects.topicName(settings.dlqTopic(), false), ImageTagFailure.getClassSchema()))
                    .isPositive();
        } finally {
            gate.stop();
        }
    }

    @Test
    void shouldReplaceAThreadThatMetAnOutageAndStayUnreadyUntilTheRegistryAnswersTwice() throws Exception {
        TopologySettings settings = TopologySettings.defaults(8, Duration.ofMillis(200));
        MockSchemaRegistry backing = MockSchemaRegistry.forScope("registry-gate-outage-test");
        AtomicInteger refuseNext = new AtomicInteger();
        RegistryGate gate = new RegistryGate(Duration.ofMillis(20), Duration.ofMillis(50));
        try {
            gate.start(refusing(refuseNext, new AtomicInteger(), backing), settings, true, false);
            awaitStatus(gate, HealthCheckResponse.Status.UP);
            for (int outage = 1; outage <= 2; outage++) {
                refuseNext.set(3); // the registry refuses the gate's next three probes
                SerdeException refused =
                        new SerdeException("Cannot fetch schema 7", new ConnectException("Connection refused"));

                assertThat(gate.onStreamThreadFailure(new RuntimeException("task failed", refused)))
                        .as("outage %d: the thread is replaced, not the client stopped", outage)
                        .isEqualTo(StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD);
                assertThat(gate.registryReady()
                                .call()
                                .getData()
                                .orElseThrow()
                                .get("registry")
                                .toString())
                        .startsWith("unreachable");
                awaitStatus(gate, HealthCheckResponse.Status.UP);
            }
        } finally {
            gate.stop();
        }
    }

    @Test
    void shouldReplaceAThreadWaitingForAMissingTopicOrUnreachableBrokersAndSaySoInReadiness() throws Exception {
        RegistryGate gate = new RegistryGate(Duration.ofMillis(20), Duration.ofMillis(50));

        assertThat(gate.onStreamThreadFailure(
                        new MissingSourceTopicException("One or more source topics were missing")))
                .isEqualTo(StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(gate.registryReady()
                        .call()
                        .getData()
                        .orElseThrow()
                        .get("kafka")
                        .toString())
                .startsWith("input topic missing");
        assertThat(gate.onStreamThreadFailure(new StreamsException(new TimeoutException("metadata not fetched"))))
                .isEqualTo(StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(gate.registryReady()
                        .call()
                        .getData()
                        .orElseThrow()
                        .get("kafka")
                        .toString())
                .isEqualTo("brokers unreachable: metadata not fetched");
        assertThat(gate.registryReady().call().getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
    }

    @Test
    void shouldStopTheClientOnAFailureThatIsNoOutage() {
        RegistryGate gate = new RegistryGate(Duration.ofMillis(20), Duration.ofMillis(50));

        assertThat(gate.onStreamThreadFailure(new IllegalStateException("a bug")))
                .isEqualTo(StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
    }

    private static void awaitStatus(RegistryGate gate, HealthCheckResponse.Status status) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (gate.registryReady().call().getStatus() != status) {
            assertThat(System.nanoTime()).as("readiness %s within 10 s", status).isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
