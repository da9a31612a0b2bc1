package io.tagclip.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tagclip.app.KafkaLoginCheck;
import io.tagclip.testing.LocalStack;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.lang.JoseException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The service and the command line on the broker's secured listener ({@link LocalStack#secured()}: SASL_SSL with
 * SCRAM-SHA-512 and OAUTHBEARER), configured the way a user does it: the service through environment variables, the
 * command line ({@code bin/tagclip}, the real launcher) through {@code --command-config FILE}.
 *
 * <p>One service runs on SCRAM-SHA-512 for the whole class. The command line reaches it with SCRAM-SHA-512, then with
 * OAUTHBEARER through Kafka's OIDC login handler against a client-credentials token endpoint this test serves,
 * which signs its tokens with the key of the broker's JWKS. A wrong SCRAM password stops the command line within
 * seconds, and a second service, with one line each naming the broker, the protocol and the mechanism.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecuredKafkaIT {

    private static final String CLIENT_ID = "secured-kafka-it";
    private static final String CLIENT_SECRET = "it-secret";
    private static final Path TAGCLIP = Path.of("bin", "tagclip");
    private static final Duration OUTPUT_WAIT = Duration.ofSeconds(180);

    private final LocalStack stack = LocalStack.get();
    private final LocalStack.Secured secured = stack.secured();
    private final AtomicInteger tokensIssued = new AtomicInteger();
    private ItSupport.Topics topics;
    private String vocabularies;
    private HttpServer images;
    private HttpServer tokens;
    private Path dir;
    private Path scram;
    private Path oauth;
    private String tokenUrl;
    private PackagedService service;

    @BeforeAll
    void startServiceOnScram() throws Exception {
        topics = ItSupport.Topics.fresh(stack, "secured", 1);
        vocabularies = "secured-vocabularies-" + UUID.randomUUID().toString().substring(0, 8);
        stack.createTopic(vocabularies, 1);
        images = ItSupport.imageServer();
        tokens = tokenEndpoint(signingKey(secured.oauthSigningKey()));
        tokenUrl = "http://127.0.0.1:" + tokens.getAddress().getPort() + "/token";
        dir = Files.createDirectories(Path.of("target", "secured-kafka-it"));
        scram = secured.scramProperties();
        oauth = Files.writeString(
                dir.resolve("client-oauth.properties"),
                String.join(
                        "\n",
                        "security.protocol=SASL_SSL",
                        "sasl.mechanism=OAUTHBEARER",
                        "sasl.login.callback.handler.class="
                                + "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler",
                        "sasl.oauthbearer.token.endpoint.url=" + tokenUrl,
                        "sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required"
                                + " clientId=\"" + CLIENT_ID + "\" clientSecret=\"" + CLIENT_SECRET + "\";",
                        truststoreLines(),
                        ""));
        service = scramService("secured-kafka-it", LocalStack.Secured.SCRAM_PASSWORD)
                .start();
    }

    @AfterAll
    void stop() {
        if (service != null) {
            service.close();
        }
        if (images != null) {
            images.stop(0);
        }
        if (tokens != null) {
            tokens.stop(0);
        }
    }

    @Test
    @Order(1)
    void shouldTagAnImageProducedAndReadBackOverScram() throws Exception {
        Cli produced = tagclipOver(
                Map.of(),
                scram,
                "produce",
                "--topic",
                topics.input(),
                "--id",
                "over-scram",
                "--uri",
                ItSupport.url(images, "/img/64x48.png"));
        assertThat(produced.exit())
                .as("produce over SCRAM-SHA-512: %s", produced)
                .isZero();

        Cli consumed = consume(Map.of(), scram, 1);
        assertThat(consumed.exit())
                .as("consume over SCRAM-SHA-512: %s", consumed)
                .isZero();
        assertThat(consumed.stdout())
                .as("the service's tags, read back over SCRAM-SHA-512; service log: target/secured-kafka-it.log")
                .contains("over-scram")
                .contains("\"tags\"");
    }

    @Test
    @Order(2)
    void shouldRoundTripThroughTheServiceWithOidcTokens() throws Exception {
        // Kafka 4 reads a token endpoint only when the JVM allows its URL
        Map<String, String> env = Map.of("JAVA_OPTS", "-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=" + tokenUrl);
        Cli produced = tagclipOver(
                env,
                oauth,
                "produce",
                "--topic",
                topics.input(),
                "--id",
                "over-oauth",
                "--uri",
                ItSupport.url(images, "/img/32x32.png"));
        assertThat(produced.exit()).as("produce over OAUTHBEARER: %s", produced).isZero();

        Cli consumed = consume(env, oauth, 2);
        assertThat(consumed.exit()).as("consume over OAUTHBEARER: %s", consumed).isZero();
        assertThat(consumed.stdout()).contains("over-oauth").contains("over-scram");
        assertThat(tokensIssued.get())
                .as("tokens from the test's endpoint (each client logs in once)")
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    @Order(4)
    void shouldFailTheCommandLineQuicklyOnAWrongPassword() throws Exception {
        Path wrong = Files.writeString(
                dir.resolve("client-scram-wrong.properties"),
                Files.readString(scram).replace(LocalStack.Secured.SCRAM_PASSWORD, "not-the-password"));
        long started = System.nanoTime();
        Cli refused = tagclipOver(
                Map.of(),
                wrong,
                "produce",
                "--topic",
                topics.input(),
                "--uri",
                ItSupport.url(images, "/img/32x32.png"));
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(refused.exit()).as("%s", refused).isNotZero();
        assertThat(took).as("JVM start included").isLessThan(Duration.ofSeconds(10));
        List<String> lines = refused.stderr().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as("one line, no stack trace").hasSize(1);
        assertThat(lines.get(0))
                .contains("Kafka at " + secured.bootstrapServers())
                .contains("SASL_SSL")
                .contains("SCRAM-SHA-512")
                .contains("refused the login");
    }

    @Test
    @Order(5)
    void shouldStopTheServiceOnAWrongPassword() throws Exception {
        try (PackagedService refused = scramService("secured-kafka-it-wrong-password", "not-the-password")
                .start()) {
            assertThat(refused.process().waitFor(90, TimeUnit.SECONDS))
                    .as("the service exits; log: target/secured-kafka-it-wrong-password.log")
                    .isTrue();
            assertThat(refused.process().exitValue()).isEqualTo(KafkaLoginCheck.EXIT_LOGIN_REFUSED);
        }
        List<String> errors = Files.readAllLines(Path.of("target", "secured-kafka-it-wrong-password.log")).stream()
                .filter(l -> l.contains("refused the login"))
                .toList();
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0))
                .contains("Kafka at " + secured.bootstrapServers())
                .contains("SASL_SSL")
                .contains("SCRAM-SHA-512");
    }

    @Test
    @Order(3)
    void shouldPutAVocabularyOverScramThatTheServiceFollowsOverScram() throws Exception {
        Path file = Files.writeString(dir.resolve("secure-pets.txt"), "cat\ndog\nbackground: sky\n");
        Cli put = tagclipOver(Map.of(), scram, "vocab", "put", "--topic", vocabularies, file.toString());
        assertThat(put.exit()).as("vocab put over SCRAM-SHA-512: %s", put).isZero();
        assertThat(put.stdout()).contains("put secure-pets version");

        Cli produced = tagclipOver(
                Map.of(),
                scram,
                "produce",
                "--topic",
                topics.input(),
                "--id",
                "secure-pets-1",
                "--vocabulary",
                "secure-pets",
                "--uri",
                ItSupport.url(images, "/img/48x32.png"));
        assertThat(produced.exit()).as("produce: %s", produced).isZero();

        Cli consumed = consume(Map.of(), scram, 3);
        assertThat(consumed.exit()).as("consume: %s", consumed).isZero();
        assertThat(consumed.stdout())
                .as("tagged with the vocabulary the service read from its topic over SCRAM-SHA-512")
                .contains("secure-pets-1")
                .containsPattern("\"vocabularyId\"\\s*:\\s*\"secure-pets\"");
    }

    /** The service itself logs in with OAUTHBEARER: Kafka's OIDC login handler, every setting from the environment. */
    @Test
    @Order(6)
    void shouldRunTheServiceOverOauthBearer() throws Exception {
        ItSupport.Topics own = ItSupport.Topics.fresh(stack, "secured-oauth", 1);
        String allowed = "-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=" + tokenUrl;
        int before = tokensIssued.get();
        try (PackagedService oauthService = PackagedService.named("secured-kafka-it-oauth")
                .on(stack, own, "secured-oauth-" + UUID.randomUUID().toString().substring(0, 8))
                .set("tagger.vocabularies.topic", vocabularies)
                .unset("kafka.bootstrap.servers")
                .env("KAFKA_BOOTSTRAP_SERVERS", secured.bootstrapServers())
                .env("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
                .env("KAFKA_SASL_MECHANISM", "OAUTHBEARER")
                .env(
                        "KAFKA_SASL_JAAS_CONFIG",
                        "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId=\""
                                + CLIENT_ID + "\" clientSecret=\"" + CLIENT_SECRET + "\";")
                .env(
                        "KAFKA_STREAMS_SASL_LOGIN_CALLBACK_HANDLER_CLASS",
                        "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler")
                .env("KAFKA_STREAMS_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL", tokenUrl)
                .env(
                        "KAFKA_STREAMS_SSL_TRUSTSTORE_LOCATION",
                        secured.truststore().toAbsolutePath())
                .env("KAFKA_STREAMS_SSL_TRUSTSTORE_PASSWORD", LocalStack.Secured.STORE_PASSWORD)
                .env("KAFKA_STREAMS_SSL_TRUSTSTORE_TYPE", "PKCS12")
                .env("JAVA_TOOL_OPTIONS", allowed) // Kafka 4 calls only token endpoints the JVM allows
                .start()) {
            Map<String, String> env = Map.of("JAVA_OPTS", allowed);
            Cli produced = tagclipOver(
                    env,
                    oauth,
                    "produce",
                    "--topic",
                    own.input(),
                    "--id",
                    "service-over-oauth",
                    "--uri",
                    ItSupport.url(images, "/img/40x30.png"));
            assertThat(produced.exit()).as("produce: %s", produced).isZero();

            Cli consumed = tagclipOver(
                    env,
                    oauth,
                    "consume",
                    "--topic",
                    own.output(),
                    "--from-beginning",
                    "--max",
                    "1",
                    "--timeout",
                    OUTPUT_WAIT.toSeconds() + "s");
            assertThat(consumed.exit())
                    .as("consume: %s; service log: target/secured-kafka-it-oauth.log", consumed)
                    .isZero();
            assertThat(consumed.stdout()).contains("service-over-oauth").contains("\"tags\"");
            assertThat(tokensIssued.get() - before)
                    .as("tokens for the service's clients and the command line's")
                    .isGreaterThanOrEqualTo(3);
        }
    }

    /** The service on the secured listener, every Kafka setting from the environment. */
    private PackagedService.Builder scramService(String name, String password) {
        return PackagedService.named(name)
                .on(stack, topics, name + "-" + UUID.randomUUID().toString().substring(0, 8))
                .set("tagger.vocabularies.topic", vocabularies)
                .unset("kafka.bootstrap.servers")
                .env("KAFKA_BOOTSTRAP_SERVERS", secured.bootstrapServers())
                .env("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
                .env("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
                .env(
                        "KAFKA_SASL_JAAS_CONFIG",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                                + LocalStack.Secured.SCRAM_USER + "\" password=\"" + password + "\";")
                // the general route: any client key as KAFKA_STREAMS_<KEY>
                .env(
                        "KAFKA_STREAMS_SSL_TRUSTSTORE_LOCATION",
                        secured.truststore().toAbsolutePath())
                .env("KAFKA_STREAMS_SSL_TRUSTSTORE_PASSWORD", LocalStack.Secured.STORE_PASSWORD)
                .env("KAFKA_STREAMS_SSL_TRUSTSTORE_TYPE", "PKCS12");
    }

    private String truststoreLines() {
        return "ssl.truststore.location=" + secured.truststore().toAbsolutePath() + "\nssl.truststore.password="
                + LocalStack.Secured.STORE_PASSWORD + "\nssl.truststore.type=PKCS12";
    }

    private Cli consume(Map<String, String> env, Path config, int records) throws Exception {
        return tagclipOver(
                env,
                config,
                "consume",
                "--topic",
                topics.output(),
                "--from-beginning",
                "--max",
                String.valueOf(records),
                "--timeout",
                OUTPUT_WAIT.toSeconds() + "s");
    }

    /** What one run of {@code bin/tagclip} printed. */
    record Cli(int exit, String stdout, String stderr) {}

    /** {@link #tagclip} against the secured listener and the registry, with the client properties of {@code config}. */
    private Cli tagclipOver(Map<String, String> env, Path config, String... args)
            throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(
                "--bootstrap-servers",
                secured.bootstrapServers(),
                "--registry-url",
                stack.registryUrl(),
                "--command-config",
                config.toString()));
        return tagclip(env, all.toArray(String[]::new));
    }

    private Cli tagclip(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(TAGCLIP.toAbsolutePath().toString());
        command.addAll(List.of(args));
        String run = UUID.randomUUID().toString().substring(0, 8);
        Path out = dir.resolve(args[0] + "-" + run + ".out");
        Path err = dir.resolve(args[0] + "-" + run + ".err");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(OUTPUT_WAIT.toSeconds() + 60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        return new Cli(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** POST /token with client credentials (HTTP basic, as Kafka's OIDC login handler sends them): a signed JWT. */
    private HttpServer tokenEndpoint(PrivateKey key) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        String expected = "Basic "
                + Base64.getEncoder()
                        .encodeToString((CLIENT_ID + ":" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
        server.createContext("/token", exchange -> {
            try (exchange) {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                if (!"POST".equals(exchange.getRequestMethod())
                        || !expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))
                        || !body.contains("grant_type=client_credentials")) {
                    respond(exchange, 401, "{\"error\":\"invalid_client\"}");
                    return;
                }
                String token = token(key);
                tokensIssued.incrementAndGet();
                respond(
                        exchange,
                        200,
                        "{\"access_token\":\"" + token + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
            } catch (JoseException e) {
                respond(exchange, 500, "{\"error\":\"" + e.getMessage() + "\"}");
            }
        });
        server.start();
        return server;
    }

    private String token(PrivateKey key) throws JoseException {
        JwtClaims claims = new JwtClaims();
        claims.setSubject(CLIENT_ID);
        claims.setIssuer("secured-kafka-it");
        claims.setIssuedAtToNow();
        claims.setExpirationTimeMinutesInTheFuture(60);
        claims.setClaim("scope", "kafka");
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key);
        jws.setKeyIdHeaderValue(secured.oauthKeyId());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        return jws.getCompactSerialization();
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static PrivateKey signingKey(Path pem) throws IOException, GeneralSecurityException {
        String base64 =
                Files.readString(pem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance("RSA")
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(base64)));
    }
}
