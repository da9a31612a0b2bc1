package io.tagclip.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** One client configuration for every Kafka client: the environment, a properties file, single properties. */
class KafkaClientSettingsTest {

    private static KafkaOptions options(String... args) {
        CommandLine.ParseResult parsed = new CommandLine(new TagclipCommand()).parseArgs(args);
        return ((ConsumeCommand) parsed.subcommand().commandSpec().userObject()).kafka;
    }

    @Test
    void shouldTakeTheServicesVariablesThenTheFileThenThePropertiesThenTheBrokers(@TempDir Path dir)
            throws IOException {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, "sasl.mechanism=SCRAM-SHA-512\nssl.truststore.location=/etc/ca.p12\n");
        KafkaOptions kafka = options(
                "consume",
                "--bootstrap-servers",
                "broker:9093",
                "--command-config",
                file.toString(),
                "--property",
                "ssl.truststore.location=/etc/other.p12");

        Map<String, Object> config = kafka.clientConfig(Map.of(
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SASL_MECHANISM", "PLAIN",
                "KAFKA_STREAMS_SASL_CLIENT_CALLBACK_HANDLER_CLASS", "com.example.Login",
                "UNRELATED", "x"));

        assertThat(config)
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("sasl.client.callback.handler.class", "com.example.Login")
                .containsEntry("ssl.truststore.location", "/etc/other.p12")
                .containsEntry("bootstrap.servers", "broker:9093")
                .doesNotContainKey("unrelated");
    }

    @Test
    void shouldNameTheBrokersAndProtocolWhenKafkaCannotBeReachedWithinTheTimeout() throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort(); // nothing listens there once closed
        }
        KafkaOptions kafka =
                options("consume", "--bootstrap-servers", "127.0.0.1:" + closed, "--connect-timeout", "2s");
        long start = System.nanoTime();

        assertThatThrownBy(() -> kafka.requireReachable(kafka.clientConfig(Map.of())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot reach Kafka at 127.0.0.1:" + closed + " (PLAINTEXT) within 2000 ms");
        assertThat((System.nanoTime() - start) / 1e9).as("seconds to the error").isLessThan(10);
    }
}
