package io.tagclip.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.tagclip.avro.ImageRef;
import io.tagclip.serde.SerdeConfig;
import io.tagclip.serde.SpecificAvroDeserializer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The CLI's registry credentials, against a local registry stand-in that demands basic authentication. */
class KafkaOptionsTest {

    private static final int SCHEMA_ID = 1;
    private static final String USER_INFO = "reader:s3cret";

    private HttpServer registry;

    @BeforeEach
    void startRegistry() throws IOException {
        registry = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        String expected = "Basic " + Base64.getEncoder().encodeToString(USER_INFO.getBytes(StandardCharsets.UTF_8));
        registry.createContext("/schemas/ids/" + SCHEMA_ID, exchange -> {
            boolean authorised = expected.equals(exchange.getRequestHeaders().getFirst("Authorization"));
            byte[] body = authorised
                    ? new ObjectMapper()
                            .writeValueAsBytes(
                                    Map.of("schema", ImageRef.getClassSchema().toString()))
                    : "{\"error_code\":401,\"message\":\"Unauthorized\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
            exchange.sendResponseHeaders(authorised ? 200 : 401, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        registry.start();
    }

    @AfterEach
    void stopRegistry() {
        registry.stop(0);
    }

    @Test
    void shouldReadThroughARegistryWithTheUserInfoOption() throws IOException {
        KafkaOptions options = options("--registry-url", url(""), "--registry-user-info", USER_INFO);

        assertThat(deserialize(options).getId()).isEqualTo("cat-1");
    }

    @Test
    void shouldReadThroughARegistryWithCredentialsInTheUrl() throws IOException {
        KafkaOptions options = options("--registry-url", url(USER_INFO + "@"));

        assertThat(options.clientConfig()).containsEntry(SerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE, "URL");
        assertThat(deserialize(options).getId()).isEqualTo("cat-1");
    }

    @Test
    void shouldReportA401AsAnAuthenticationErrorNamingTheRegistry() {
        KafkaOptions options = options("--registry-url", url(""));

        assertThatThrownBy(() -> {
                    try {
                        deserialize(options);
                    } catch (RuntimeException e) {
                        throw options.explain(e);
                    }
                })
                .hasMessageContaining("authentication error: schema registry " + url(""))
                .hasMessageContaining("HTTP 401")
                .hasMessageContaining("SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO");
    }

    @Test
    void shouldKeepCredentialsOutOfTheMessage() {
        assertThat(KafkaOptions.redacted("http://u:p@h:1/x,https://v:q@k/y")).isEqualTo("http://h:1/x,https://k/y");
    }

    private String url(String userInfo) {
        return "http://" + userInfo + "127.0.0.1:" + registry.getAddress().getPort();
    }

    private static KafkaOptions options(String... args) {
        ParsedOptions holder = new ParsedOptions();
        new CommandLine(holder).parseArgs(args);
        return holder.kafka;
    }

    /** A command carrying only the shared options, for parsing them. */
    @CommandLine.Command(name = "options")
    static final class ParsedOptions {
        @CommandLine.Mixin
        KafkaOptions kafka;
    }

    private static ImageRef deserialize(KafkaOptions options) throws IOException {
        ImageRef ref = ImageRef.newBuilder()
                .setId("cat-1")
                .setUri("https://example.com/cat.jpg")
                .setProducedAt(Instant.ofEpochMilli(0))
                .build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(SCHEMA_ID).array());
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        new SpecificDatumWriter<>(ImageRef.class).write(ref, encoder);
        encoder.flush();
        try (SpecificAvroDeserializer<SpecificRecord> values = new SpecificAvroDeserializer<>()) {
            values.configure(options.clientConfig(), false);
            return (ImageRef) values.deserialize("image-refs", out.toByteArray());
        }
    }
}
