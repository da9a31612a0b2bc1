package io.tagclip.cli;

import io.tagclip.serde.SerdeConfig;
import io.tagclip.serde.SerdeException;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
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

    /** Client properties with the broker, the registry and its credentials set. */
    Map<String, Object> clientConfig() {
        Map<String, Object> config = new HashMap<>();
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
