package io.tagclip.cli;

import io.tagclip.serde.SerdeConfig;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Where the broker and the schema registry are; shared by the client subcommands. */
final class KafkaOptions {

    @Option(names = "--bootstrap-servers", defaultValue = "${env:KAFKA_BOOTSTRAP_SERVERS:-localhost:9092}",
            description = "Kafka bootstrap servers (env KAFKA_BOOTSTRAP_SERVERS; default ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--registry-url", defaultValue = "${env:SCHEMA_REGISTRY_URL:-http://localhost:8085/apis/ccompat/v7}",
            description = "Schema registry URL (env SCHEMA_REGISTRY_URL; default ${DEFAULT-VALUE}).")
    String registryUrl;

    /** Client properties with the broker and registry set. */
    Map<String, Object> clientConfig() {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", bootstrapServers);
        config.put(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl);
        return config;
    }
}
