package io.tagclip.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.apache.avro.Schema;

/**
 * Client of the Confluent Schema Registry REST API (also served by Apicurio at {@code /apis/ccompat/v7}, Karapace
 * and Redpanda) on the JDK's HTTP client.
 *
 * <p>Caches what the registry never changes: the id of a schema under a subject, and the schema of an id; the
 * latest version of a subject is asked every time. When several base URLs are given, a request goes to the next one
 * only when the previous cannot be reached; an answer, even an error, is final.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {

    /** Media type of the registry API's requests and answers (v1 of the API). */
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private static final String ACCEPT =
            CONTENT_TYPE + ", application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";

    /** How much of a non-JSON error body goes into an exception message. */
    private static final int MAX_BODY_IN_MESSAGE = 500;

    private final List<String> baseUrls;
    private final HttpClient http;
    private final Optional<String> authorization;
    private final SerdeConfig config;
    private final ObjectMapper json = new ObjectMapper();
    private final ConcurrentMap<String, ConcurrentMap<Schema, Integer>> idsBySubject = new ConcurrentHashMap<>();
    private final ConcurrentMap<Integer, Schema> schemasById = new ConcurrentHashMap<>();

    public RestSchemaRegistryClient(SerdeConfig config) {
        if (config.mockScope().isPresent()) {
            throw new IllegalArgumentException("A REST client cannot serve " + config.registryUrls()
                    + ": use SchemaRegistryClient.create for mock:// URLs");
        }
        this.config = config;
        this.baseUrls = config.registryUrls();
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.connectTimeout())
                .followRedirects(HttpClient.Redirect.NORMAL);
        config.tls().ifPresent(tls -> builder.sslContext(sslContext(tls)));
        this.http = builder.build();
        this.authorization = config.userInfo()
                .map(info -> "Basic " + Base64.getEncoder().encodeToString(info.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public int register(String subject, Schema schema) {
        Integer cached = idsOf(subject).get(schema);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send(
                "POST",
                "/subjects/" + encode(subject) + "/versions",
                schemaBody(schema),
                "registering " + schema.getFullName() + " under subject '" + subject + "'");
        int id = requiredInt(answer, "id", "subject '" + subject + "'");
        remember(subject, schema, id);
        return id;
    }

    @Override
    public int idOf(String subject, Schema schema) {
        Integer cached = idsOf(subject).get(schema);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send(
                "POST",
                "/subjects/" + encode(subject),
                schemaBody(schema),
                "looking up " + schema.getFullName() + " under subject '" + subject + "'");
        int id = requiredInt(answer, "id", "subject '" + subject + "'");
        remember(subject, schema, id);
        return id;
    }

    @Override
    public RegisteredSchema latest(String subject) {
        String what = "latest version of subject '" + subject + "'";
        JsonNode answer = send("GET", "/subjects/" + encode(subject) + "/versions/latest", null, what);
        int id = requiredInt(answer, "id", what);
        Schema schema = schemasById.computeIfAbsent(id, i -> parse(requiredText(answer, "schema", what), what));
        remember(subject, schema, id);
        return new RegisteredSchema(subject, id, requiredInt(answer, "version", what), schema);
    }

    @Override
    public Schema schemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        String what = "schema id " + id;
        JsonNode answer = send("GET", "/schemas/ids/" + id, null, what);
        Schema schema = parse(requiredText(answer, "schema", what), what);
        Schema previous = schemasById.putIfAbsent(id, schema);
        return previous != null ? previous : schema;
    }

    private ConcurrentMap<Schema, Integer> idsOf(String subject) {
        return idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
    }

    private void remember(String subject, Schema schema, int id) {
        idsOf(subject).put(schema, id);
        schemasById.putIfAbsent(id, schema);
    }

    private byte[] schemaBody(Schema schema) {
        try {
            return json.writeValueAsBytes(Map.of("schema", schema.toString()));
        } catch (IOException e) {
            throw new SerdeException("Cannot write the registration request of " + schema.getFullName(), e);
        }
    }

    /**
     * Sends one API call to the first base URL that can be reached.
     *
     * @param what the subject or id the call is about, for error messages
     */
    private JsonNode send(String method, String path, byte[] body, String what) {
        IOException unreachable = null;
        for (String base : baseUrls) {
            URI uri = URI.create(base + path);
            HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                    .timeout(config.requestTimeout())
                    .header("Accept", ACCEPT)
                    .method(
                            method,
                            body == null
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofByteArray(body));
            if (body != null) {
                request.header("Content-Type", CONTENT_TYPE);
            }
            authorization.ifPresent(value -> request.header("Authorization", value));
            HttpResponse<byte[]> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                unreachable = e;
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SerdeException("Interrupted while asking the schema registry at " + uri + " for " + what, e);
            }
            return answer(method, uri, response, what);
        }
        throw new SerdeException(
                "Schema registry unreachable at " + String.join(", ", baseUrls) + " (" + what + "): " + unreachable,
                unreachable);
    }

    private JsonNode answer(String method, URI uri, HttpResponse<byte[]> response, String what) {
        int status = response.statusCode();
        JsonNode body;
        try {
            body = response.body().length == 0 ? null : json.readTree(response.body());
        } catch (IOException e) {
            body = null;
        }
        if (status >= 200 && status < 300) {
            if (body == null || !body.isObject()) {
                throw new SerdeException(
                        "Schema registry answered " + method + " " + uri + " (" + what + ") with HTTP " + status
                                + " but no JSON object: " + excerpt(response.body()),
                        null,
                        status,
                        0);
            }
            return body;
        }
        int errorCode = body != null && body.path("error_code").canConvertToInt()
                ? body.path("error_code").asInt()
                : 0;
        String detail = body != null && body.hasNonNull("message")
                ? "error_code " + errorCode + ": " + body.get("message").asText()
                : excerpt(response.body());
        throw new SerdeException(
                "Schema registry refused " + method + " " + uri + " (" + what + ") with HTTP " + status + ": " + detail,
                null,
                status,
                errorCode);
    }

    private static String excerpt(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8).strip();
        if (text.isEmpty()) {
            return "(empty body)";
        }
        return text.length() <= MAX_BODY_IN_MESSAGE ? text : text.substring(0, MAX_BODY_IN_MESSAGE) + "...";
    }

    private static int requiredInt(JsonNode answer, String field, String what) {
        JsonNode value = answer.get(field);
        if (value == null || !value.canConvertToInt()) {
            throw new SerdeException(
                    "Schema registry's answer about " + what + " has no integer '" + field + "': " + answer);
        }
        return value.asInt();
    }

    private static String requiredText(JsonNode answer, String field, String what) {
        JsonNode value = answer.get(field);
        if (value == null || !value.isTextual()) {
            throw new SerdeException(
                    "Schema registry's answer about " + what + " has no text '" + field + "': " + answer);
        }
        return value.asText();
    }

    private static Schema parse(String text, String what) {
        try {
            // A fresh parser per schema: parsers remember named types and would reject a second definition.
            return new Schema.Parser().parse(text);
        } catch (RuntimeException e) {
            // Avro 1.12 reports some bad schemas (an unknown type name) as NullPointerException, not as
            // SchemaParseException.
            throw new SerdeException("Schema registry returned an invalid Avro schema for " + what + ": " + e, e);
        }
    }

    /** Path segments only: the registry must see "a/b" as one subject, and "+" is not a space in a path. */
    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static SSLContext sslContext(SerdeConfig.Tls tls) {
        try {
            TrustManager[] trustManagers = null;
            if (tls.truststoreLocation().isPresent()) {
                KeyStore trusted = load(
                        tls.truststoreLocation().get(),
                        tls.truststoreType(),
                        tls.truststorePassword(),
                        SerdeConfig.TRUSTSTORE_LOCATION);
                TrustManagerFactory factory =
                        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                factory.init(trusted);
                trustManagers = factory.getTrustManagers();
            }
            KeyManager[] keyManagers = null;
            if (tls.keystoreLocation().isPresent()) {
                KeyStore own = load(
                        tls.keystoreLocation().get(),
                        tls.keystoreType(),
                        tls.keystorePassword(),
                        SerdeConfig.KEYSTORE_LOCATION);
                KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                factory.init(
                        own,
                        tls.keyPassword()
                                .or(tls::keystorePassword)
                                .map(String::toCharArray)
                                .orElse(null));
                keyManagers = factory.getKeyManagers();
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers, trustManagers, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new SerdeException(
                    "Cannot set up TLS for the schema registry with " + tls + ": " + e.getMessage(), e);
        }
    }

    private static KeyStore load(String location, String type, Optional<String> password, String key)
            throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(type);
        try (InputStream in = Files.newInputStream(Path.of(location))) {
            store.load(in, password.map(String::toCharArray).orElse(null));
        } catch (IOException e) {
            throw new SerdeException(
                    "Cannot read the " + type + " store '" + location + "' of '" + key + "': " + e.getMessage(), e);
        }
        return store;
    }
}
