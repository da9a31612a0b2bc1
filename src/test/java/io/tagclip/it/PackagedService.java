package io.tagclip.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tagclip.testing.LocalStack;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged service ({@code target/quarkus-app/quarkus-run.jar}, as {@code bin/tagclip serve} runs it) in its own
 * JVM on the tiny fixture model, configured the way an operator would: system properties over the defaults. The one
 * launcher every integration test that runs the service uses; its output goes to {@code target/NAME.log}.
 */
final class PackagedService implements AutoCloseable {

    static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");
    static final Path TINY = Path.of("src", "test", "resources", "tagclip-tiny");
    /** First 12 hex digits of the fixture weights' sha256 (its README). */
    static final String TINY_REVISION = "a0a05cc97c9b";

    private final String name;
    private final Process process;
    private final int port;

    private PackagedService(String name, Process process, int port) {
        this.name = name;
        this.process = process;
        this.port = port;
    }

    /** A service whose log is {@code target/NAME.log}, on the tiny model with the VOC vocabulary. */
    static Builder named(String name) {
        return new Builder(name);
    }

    /** The HTTP base URL ({@code http://127.0.0.1:PORT}); only for a service built with {@link Builder#httpPort()}. */
    String baseUrl() {
        assertThat(port).as("%s was started without a known HTTP port", name).isPositive();
        return "http://127.0.0.1:" + port;
    }

    Process process() {
        return process;
    }

    /** SIGKILL: no shutdown hook, no flush, no commit. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        assertThat(process.waitFor(10, TimeUnit.SECONDS))
                .as("%s ended after SIGKILL", name)
                .isTrue();
    }

    /** SIGTERM and a graceful shutdown, SIGKILL after 30 s (at once if this thread is interrupted). */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static final class Builder {

        private final String name;
        private final Map<String, String> properties = new LinkedHashMap<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private String heap = "1g";
        private int port;

        private Builder(String name) {
            this.name = name;
            set("ai.djl.offline", "true");
            set("java.awt.headless", "true");
            set("quarkus.http.port", "0");
            set("tagger.model.path", TINY.resolve("model").toAbsolutePath());
            set("tagger.model.vocabulary", "voc2007");
            // Kept across runs of this checkout: the first run embeds the built-in vocabularies at start.
            set(
                    "tagger.model.text-cache-dir",
                    Path.of("target", "packaged-service-it-text-features").toAbsolutePath());
        }

        /** Reads {@code topics} of {@code stack} as Kafka Streams application {@code applicationId}. */
        Builder on(LocalStack stack, ItSupport.Topics topics, String applicationId) {
            set("kafka.bootstrap.servers", stack.bootstrapServers());
            set("tagger.schema-registry-url", stack.registryUrl());
            set("quarkus.kafka-streams.application-id", applicationId);
            set("quarkus.kafka-streams.topics", topics.input());
            set("tagger.topics.input", topics.input());
            set("tagger.topics.output", topics.output());
            set("tagger.topics.dlq", topics.dlq());
            set("tagger.fetch.allow-list", "127.0.0.1");
            return this;
        }

        /**
         * Fetch and inference bounds short enough for a 15 s transaction timeout, so that a transaction a killed
         * process left open is aborted soon (the service refuses to start when one flush could outlast it).
         */
        Builder shortTimeouts() {
            set("tagger.fetch.connect-timeout", "500ms");
            set("tagger.fetch.read-timeout", "1s");
            set("tagger.fetch.max-attempts", "2");
            set("tagger.fetch.retry-backoff", "50ms");
            set("tagger.fetch.max-redirects", "1");
            set("tagger.fetch.decode-timeout", "2s");
            set("tagger.batch.inference-timeout", "5s");
            set("kafka-streams.producer.transaction.timeout.ms", "15000");
            // A killed member must leave the group quickly; the broker's minimum is 6 s.
            set("kafka-streams.consumer.session.timeout.ms", "6000");
            set("kafka-streams.consumer.heartbeat.interval.ms", "1000");
            return this;
        }

        /** Serves HTTP on a free port of 127.0.0.1, known to {@link PackagedService#baseUrl()}. */
        Builder httpPort() throws IOException {
            port = freePort();
            set("quarkus.http.host", "127.0.0.1");
            return set("quarkus.http.port", port);
        }

        Builder heap(String maxHeap) {
            heap = maxHeap;
            return this;
        }

        /** {@code -Dkey=value}. */
        Builder set(String key, Object value) {
            properties.put(key, String.valueOf(value));
            return this;
        }

        /** No {@code -Dkey} (one {@link #on} set, say), so that the environment or the defaults decide. */
        Builder unset(String key) {
            properties.remove(key);
            return this;
        }

        /** An environment variable of the service's process, as a container or a manifest sets it. */
        Builder env(String name, Object value) {
            environment.put(name, String.valueOf(value));
            return this;
        }

        PackagedService start() throws IOException {
            assertThat(JAR)
                    .as("the packaged service (failsafe runs after package)")
                    .exists();
            properties.putIfAbsent(
                    "kafka-streams.state.dir", Files.createTempDirectory(name).toString());
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Xmx" + heap);
            properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
            command.add("-jar");
            command.add(JAR.toString());
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(Path.of("target", name + ".log").toFile());
            builder.environment().putAll(environment);
            Process process = builder.start();
            return new PackagedService(name, process, port);
        }
    }
}
