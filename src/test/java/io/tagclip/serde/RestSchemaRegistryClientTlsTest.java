package io.tagclip.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.tagclip.avro.ImageRef;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST client's trust and key stores against an in-test HTTPS server that demands a client certificate. The
 * JDK's keytool makes one self-signed key for 127.0.0.1 that serves as both server and client identity.
 */
class RestSchemaRegistryClientTlsTest {

    private static final String PASSWORD = "test-pass";

    @TempDir
    static Path dir;

    private static HttpsServer server;
    private static String baseUrl;
    private static Path keystore;
    private static Path truststore;

    @BeforeAll
    static void startHttpsRegistry() throws Exception {
        keystore = dir.resolve("identity.p12");
        truststore = dir.resolve("trust.p12");
        keytool(
                "-genkeypair",
                "-alias",
                "registry",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=127.0.0.1",
                "-ext",
                "SAN=ip:127.0.0.1",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                keystore.toString(),
                "-storepass",
                PASSWORD);
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("registry", load(keystore).getCertificate("registry"));
        try (OutputStream out = Files.newOutputStream(truststore)) {
            trusted.store(out, PASSWORD.toCharArray());
        }

        SSLContext context = SSLContext.getInstance("TLS");
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(load(keystore), PASSWORD.toCharArray());
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(load(truststore));
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);

        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
                var ssl = getSSLContext().getDefaultSSLParameters();
                ssl.setNeedClientAuth(true);
                params.setSSLParameters(ssl);
            }
        });
        byte[] answer = ("{\"schema\":"
                        + new ObjectMapper()
                                .valueToTree(ImageRef.getClassSchema().toString()) + "}")
                .getBytes(StandardCharsets.UTF_8);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
        baseUrl = "https://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterAll
    static void stopHttpsRegistry() {
        server.stop(0);
    }

    @Test
    void shouldTalkMutualTlsWithTrustAndKeyStores() {
        var client = new RestSchemaRegistryClient(SerdeConfig.from(tlsConfig(true)));

        assertThat(client.schemaById(1)).isEqualTo(ImageRef.getClassSchema());
    }

    @Test
    void shouldFailWithTheUrlWhenTheClientHasNoCertificate() {
        var client = new RestSchemaRegistryClient(SerdeConfig.from(tlsConfig(false)));

        assertThatThrownBy(() -> client.schemaById(1))
                .isInstanceOf(SerdeException.class)
                .hasMessageContaining(baseUrl)
                .hasMessageContaining("schema id 1");
    }

    private static Map<String, Object> tlsConfig(boolean withKeystore) {
        Map<String, Object> config = new HashMap<>(Map.of(
                SerdeConfig.SCHEMA_REGISTRY_URL,
                baseUrl,
                SerdeConfig.TRUSTSTORE_LOCATION,
                truststore.toString(),
                SerdeConfig.TRUSTSTORE_PASSWORD,
                PASSWORD,
                SerdeConfig.TRUSTSTORE_TYPE,
                "PKCS12"));
        if (withKeystore) {
            config.put(SerdeConfig.KEYSTORE_LOCATION, keystore.toString());
            config.put(SerdeConfig.KEYSTORE_PASSWORD, PASSWORD);
            config.put(SerdeConfig.KEYSTORE_TYPE, "PKCS12");
        }
        return config;
    }

    private static KeyStore load(Path path) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(path)) {
            store.load(in, PASSWORD.toCharArray());
        }
        return store;
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        var command = new ArrayList<>(List.of(keytool.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("keytool " + String.join(" ", args) + " failed:\n" + output);
        }
    }
}
