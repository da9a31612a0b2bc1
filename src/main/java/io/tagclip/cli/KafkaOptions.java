package io.tagclip.cli;

import io.tagclip.app.KafkaEnvironment;
import io.tagclip.serde.SerdeConfig;
import io.tagclip.serde.SerdeException;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.AuthenticationException;
import picocli.CommandLine.Option;

/** Where the broker and the schema registry are, and the registry's credentials; shared by the client subcommands. */
final class KafkaOptions {

    /** HTTP statuses of a registry that refused the credentials (or their absence). */
    private static final int UNAUTHORIZED = 401;

    private static final int FORBIDDEN = 403;

    @Option(
            names = "--bootstrap-servers",
            defaultValue = "${env:KAFKA_BOOTSTRAP_SERVERS:-localhost:9092}",
            description = "Kafka bootstrap servers (env KAFKA_BOOTSTRAP_SERVERS; default ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(
            names = "--registry-url",
            defaultValue = "${env:SCHEMA_REGISTRY_URL:-http://localhost:8085/apis/ccompat/v7}",
            description = "Schema registry URL (env SCHEMA_REGISTRY_URL; default ${DEFAULT-VALUE}); "
                    + "user:password@ in it is used for basic authentication.")
    String registryUrl;

    @Option(
            names = "--registry-user-info",
            defaultValue = "${env:SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO}",
            description =
                    "user:password for the registry's basic authentication (env SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO).")
    String registryUserInfo;

    @Option(
            names = "--command-config",
            paramLabel = "FILE",
            description = "Kafka client properties file (security settings and the like), as the Kafka console tools "
                    + "take it.")
    Path commandConfig;

    @Option(
            names = "--property",
            paramLabel = "KEY=VALUE",
            description = "A Kafka client property; repeatable, wins over --command-config and the environment.")
    Map<String, String> properties = new LinkedHashMap<>();

    /**
     * The client settings the service's environment variables give: the short ones {@code application.properties}
     * names, then every {@code KAFKA_STREAMS_<KEY>} ({@link KafkaEnvironment}).
     */
    static final Map<String, String> SHORT_VARIABLES = Map.ofEntries(
            Map.entry("KAFKA_SECURITY_PROTOCOL", "security.protocol"),
            Map.entry("KAFKA_SASL_MECHANISM", "sasl.mechanism"),
            Map.entry("KAFKA_SASL_JAAS_CONFIG", "sasl.jaas.config"),
            Map.entry("KAFKA_SSL_TRUSTSTORE_LOCATION", "ssl.truststore.location"),
            Map.entry("KAFKA_SSL_TRUSTSTORE_PASSWORD", "ssl.truststore.password"),
            Map.entry("KAFKA_SSL_TRUSTSTORE_TYPE", "ssl.truststore.type"),
            Map.entry("KAFKA_SSL_KEYSTORE_LOCATION", "ssl.keystore.location"),
            Map.entry("KAFKA_SSL_KEYSTORE_PASSWORD", "ssl.keystore.password"),
            Map.entry("KAFKA_SSL_KEYSTORE_TYPE", "ssl.keystore.type"),
            Map.entry("KAFKA_SSL_KEY_PASSWORD", "ssl.key.password"));

    @Option(
            names = "--connect-timeout",
            defaultValue = "10s",
            converter = ConsumeCommand.DurationConverter.class,
            description = "How long to wait for the brokers before giving up, naming them (default ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    /**
     * Fails within {@code --connect-timeout}, naming the brokers, the listener's security protocol and the SASL
     * mechanism, when Kafka cannot be reached or refuses the login; a Kafka client would otherwise retry for a
     * minute and then blame something else (a missing topic, a quiet topic).
     */
    void requireReachable(Map<String, Object> config) {
        Map<String, Object> admin = new HashMap<>();
        config.forEach((key, value) -> {
            if (AdminClientConfig.configNames().contains(key)) {
                admin.put(key, value);
            }
        });
        String where = KafkaEnvironment.where(config);
        try {
            KafkaEnvironment.describeCluster(admin, connectTimeout);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof AuthenticationException) {
                throw new IllegalStateException(KafkaEnvironment.loginRefused(config, cause), cause);
            }
            throw new IllegalStateException(
                    "cannot reach " + where + " within " + connectTimeout.toMillis() + " ms: " + cause.getMessage(),
                    cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "cannot reach " + where + " within " + connectTimeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reaching " + where, e);
        }
    }

    /**
     * Client properties: the environment's Kafka settings, then {@code --command-config}, then {@code --property},
     * then the broker, the registry and its credentials.
     */
    Map<String, Object> clientConfig() {
        return clientConfig(System.getenv());
    }

    Map<String, Object> clientConfig(Map<String, String> environment) {
        Map<String, Object> config = new HashMap<>();
        SHORT_VARIABLES.forEach((variable, key) -> {
            String value = environment.get(variable);
            if (value != null && !value.isBlank()) {
                config.put(key, value);
            }
        });
        config.putAll(KafkaEnvironment.clientKeys(environment));
        if (commandConfig != null) {
            Properties file = new Properties();
            try (Reader in = Files.newBufferedReader(commandConfig)) {
                file.load(in);
            } catch (IOException e) {
                throw new IllegalArgumentException("--command-config " + commandConfig + ": cannot read it: " + e, e);
            }
            file.forEach((key, value) -> config.put(key.toString(), value));
        }
        config.putAll(properties);
        config.put("bootstrap.servers", bootstrapServers);
        config.put(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl);
        if (registryUserInfo != null && !registryUserInfo.isBlank()) {
            config.put(SerdeConfig.BASIC_AUTH_USER_INFO, registryUserInfo);
        } else if (hasUserInfo(registryUrl)) {
            config.put(SerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE, "URL");
        }
        return config;
    }

    /**
     * {@code e} itself, or, when somewhere in its causes the registry refused the credentials, an error that says so
     * and names the registry (without credentials). Kafka clients otherwise report only "Error deserializing VALUE
     * for partition ...".
     */
    RuntimeException explain(RuntimeException e) {
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof SerdeException serde) {
                OptionalInt status = serde.httpStatus();
                if (status.isPresent() && (status.getAsInt() == UNAUTHORIZED || status.getAsInt() == FORBIDDEN)) {
                    return new IllegalStateException(
                            "authentication error: schema registry " + redacted(registryUrl)
                                    + " answered HTTP " + status.getAsInt()
                                    + (status.getAsInt() == UNAUTHORIZED
                                            ? " (unauthorized): set SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO=user:password, "
                                                    + "--registry-user-info, or user:password@ in the URL"
                                            : " (forbidden): the credentials lack the permission"),
                            e);
                }
            }
        }
        return e;
    }

    private static boolean hasUserInfo(String urls) {
        for (String url : urls.split(",")) {
            try {
                if (URI.create(url.strip()).getRawUserInfo() != null) {
                    return true;
                }
            } catch (IllegalArgumentException e) {
                return false; // SerdeConfig reports the malformed URL
            }
        }
        return false;
    }

    /** The URLs with any {@code user:password@} removed, for messages. */
    static String redacted(String urls) {
        return urls.replaceAll("//[^/@,]*@", "//");
    }
}
