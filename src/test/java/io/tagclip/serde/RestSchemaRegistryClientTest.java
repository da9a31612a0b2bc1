package io.tagclip.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTags;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The REST client against an in-test HTTP server that answers like a Confluent registry. */
class RestSchemaRegistryClientTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request the fake registry received. */
    private record Seen(String method, String path, String contentType, String authorization, String body) {}

    /** What the fake registry answers next: status and body, whatever the request. */
    private volatile int status = 200;

    private volatile String answer = "{}";
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private String baseUrl;

    @BeforeEach
    void startFakeRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
        baseUrl = "http://127.0.0.1:" + server.getAddress().getPort() + "/apis/ccompat/v7";
    }

    @AfterEach
    void stopFakeRegistry() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        seen.add(new Seen(
                exchange.getRequestMethod(),
                exchange.getRequestURI().getRawPath(),
                exchange.getRequestHeaders().getFirst("Content-Type"),
                exchange.getRequestHeaders().getFirst("Authorization"),
                body));
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", RestSchemaRegistryClient.CONTENT_TYPE);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Test
    void shouldRegisterUnderTheSubjectWithTheRegistryContentTypeAndCacheTheId() throws IOException {
        answer = "{\"id\":7}";
        var client = new RestSchemaRegistryClient(SerdeConfig.of(baseUrl));

        int first = client.register("image-refs-value", ImageRef.getClassSchema());
        int second = client.register("image-refs-value", ImageRef.getClassSchema());

        assertThat(first).isEqualTo(7).isEqualTo(second);
        assertThat(seen).hasSize(1);
        Seen request = seen.get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/apis/ccompat/v7/subjects/image-refs-value/versions");
        assertThat(request.contentType()).isEqualTo("application/vnd.schemaregistry.v1+json");
        assertThat(JSON.readTree(request.body()).get("schema").asText())
                .isEqualTo(ImageRef.getClassSchema().toString());
        assertThat(client.schemaById(7)).isEqualTo(ImageRef.getClassSchema());
        assertThat(seen).hasSize(1);
    }

    @Test
    void shouldFetchASchemaByIdOnce() {
        answer = jsonSchemaAnswer(ImageTags.getClassSchema().toString());
        var client = new RestSchemaRegistryClient(SerdeConfig.of(baseUrl));

        assertThat(client.schemaById(3)).isEqualTo(ImageTags.getClassSchema());
        assertThat(client.schemaById(3)).isEqualTo(ImageTags.getClassSchema());

        assertThat(seen)
                .extracting(Seen::method, Seen::path)
                .containsExactly(tuple("GET", "/apis/ccompat/v7/schemas/ids/3"));
    }

    @Test
    void shouldReadTheLatestVersionOfASubject() {
        answer = "{\"subject\":\"a b-value\",\"id\":12,\"version\":4,\"schema\":"
                + JSON.valueToTree(ImageRef.getClassSchema().toString()) + "}";
        var client = new RestSchemaRegistryClient(SerdeConfig.of(baseUrl));

        RegisteredSchema latest = client.latest("a b-value");

        assertThat(latest).isEqualTo(new RegisteredSchema("a b-value", 12, 4, ImageRef.getClassSchema()));
        assertThat(seen.get(0).path()).isEqualTo("/apis/ccompat/v7/subjects/a%20b-value/versions/latest");
    }

    @Test
    void shouldLookUpTheIdOfARegisteredSchema() {
        answer = "{\"subject\":\"image-refs-value\",\"id\":5,\"version\":1,\"schema\":\"{}\"}";
        var client = new RestSchemaRegistryClient(SerdeConfig.of(baseUrl));

        assertThat(client.idOf("image-refs-value", ImageRef.getClassSchema())).isEqualTo(5);
        assertThat(seen.get(0).method()).isEqualTo("POST");
        assertThat(seen.get(0).path()).isEqualTo("/apis/ccompat/v7/subjects/image-refs-value");
    }

    @Test
    void shouldNameTheIdAndTheRegistryErrorWhenASchemaIdIsUnknown() {
        status = 404;
        answer = "{\"error_code\":40403,\"message\":\"Schema 99 not found\"}";
        var client = new RestSchemaRegistryClient(SerdeConfig.of(baseUrl));

        assertThatThrownBy(() -> client.schemaById(99))
                .isInstanceOfSatisfying(SerdeException.class, e -> {
                    assertThat(e.httpStatus()).hasValue(404);
                    assertThat(e.errorCode()).hasValue(40403);
                })
                .hasMessageContaining("schema id 99")
                .hasMessageContaining("HTTP 404")
                .hasMessageContaining("error_code 40403: Schema 99 not found")
                .hasMessageContaining(baseUrl + "/schemas/ids/99");
    }

    @Test
    void shouldQuoteANonJsonErrorBody() {
        status = 503;
        answer = "<html>upstream connect error</html>";
        var client = new RestSchemaRegistryClient(SerdeConfig.of(baseUrl));

        assertThatThrownBy(() -> client.register("image-refs-value", ImageRef.getClassSchema()))
                .isInstanceOfSatisfying(
                        SerdeException.class, e -> assertThat(e.errorCode()).isEmpty())
                .hasMessageContaining("HTTP 503")
                .hasMessageContaining("upstream connect error")
                .hasMessageContaining("subject 'image-refs-value'");
    }

    @Test
    void shouldSendBasicAuthFromUserInfo() {
        answer = "{\"id\":1}";
        var client = new RestSchemaRegistryClient(SerdeConfig.from(Map.of(
                SerdeConfig.SCHEMA_REGISTRY_URL, baseUrl,
                SerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE, "USER_INFO",
                SerdeConfig.BASIC_AUTH_USER_INFO, "tagger:s3cret")));

        client.register("image-refs-value", ImageRef.getClassSchema());

        assertThat(seen.get(0).authorization())
                .isEqualTo("Basic "
                        + Base64.getEncoder().encodeToString("tagger:s3cret".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void shouldSendBasicAuthFromTheUrlWithoutPuttingItInThePath() {
        answer = "{\"id\":1}";
        var client = new RestSchemaRegistryClient(SerdeConfig.from(Map.of(
                SerdeConfig.SCHEMA_REGISTRY_URL,
                baseUrl.replace("http://", "http://tagger:pw@"),
                SerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE,
                "URL")));

        client.register("image-refs-value", ImageRef.getClassSchema());

        assertThat(seen.get(0).authorization())
                .isEqualTo("Basic " + Base64.getEncoder().encodeToString("tagger:pw".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void shouldNameTheUrlWhenTheRegistryIsUnreachable() throws IOException {
        String closed = "http://127.0.0.1:" + freePort() + "/apis/ccompat/v7";
        var client = new RestSchemaRegistryClient(SerdeConfig.of(closed));

        assertThatThrownBy(() -> client.schemaById(1))
                .isInstanceOf(SerdeException.class)
                .hasMessageContaining("unreachable")
                .hasMessageContaining(closed)
                .hasMessageContaining("schema id 1");
    }

    @Test
    void shouldTryTheNextUrlWhenOneIsUnreachable() throws IOException {
        answer = jsonSchemaAnswer(ImageRef.getClassSchema().toString());
        String closed = "http://127.0.0.1:" + freePort();
        var client = new RestSchemaRegistryClient(
                SerdeConfig.from(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, closed + "," + baseUrl)));

        assertThat(client.schemaById(2)).isEqualTo(ImageRef.getClassSchema());
        assertThat(seen).hasSize(1);
    }

    @Test
    void shouldRejectAnAnswerThatIsNotAnAvroSchema() {
        answer = jsonSchemaAnswer("{\"type\":\"recordd\"}");
        var client = new RestSchemaRegistryClient(SerdeConfig.of(baseUrl));

        assertThatThrownBy(() -> client.schemaById(8))
                .isInstanceOf(SerdeException.class)
                .hasMessageContaining("schema id 8")
                .hasMessageContaining("invalid Avro schema");
    }

    @Test
    void shouldNameTheStoreThatCannotBeRead() {
        assertThatThrownBy(() -> new RestSchemaRegistryClient(SerdeConfig.from(Map.of(
                        SerdeConfig.SCHEMA_REGISTRY_URL, "https://registry.invalid",
                        SerdeConfig.TRUSTSTORE_LOCATION, "/nonexistent/truststore.p12",
                        SerdeConfig.TRUSTSTORE_PASSWORD, "changeit"))))
                .isInstanceOf(SerdeException.class)
                .hasMessageContaining("/nonexistent/truststore.p12")
                .hasMessageContaining(SerdeConfig.TRUSTSTORE_LOCATION);
    }

    private static String jsonSchemaAnswer(String schema) {
        return "{\"schema\":" + JSON.valueToTree(schema) + "}";
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
