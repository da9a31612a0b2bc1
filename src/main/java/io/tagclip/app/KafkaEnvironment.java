package io.tagclip.app;

import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Kafka client settings from the environment, the way a ConfigMap or Secret sets them: {@code KAFKA_STREAMS_<KEY>},
 * the key upper-cased with its dots as underscores ({@code KAFKA_STREAMS_SASL_CLIENT_CALLBACK_HANDLER_CLASS} is
 * {@code sasl.client.callback.handler.class}). Kafka client keys have no dashes, so the mapping is exact.
 *
 * <p>As a config source it gives the service {@code kafka-streams.<key>} for every such variable. Quarkus maps an
 * environment variable only to a property name it already knows, so without it a client key that
 * {@code application.properties} does not name was ignored when set in the environment. The command line reads the
 * same variables ({@link #clientKeys}), so one set of variables configures every Kafka client of the project.
 */
public final class KafkaEnvironment implements ConfigSource {

    /** The prefix of the variables. */
    public static final String PREFIX = "KAFKA_STREAMS_";

    /** Below the environment's own source (300) and system properties (400), above application.properties. */
    private static final int ORDINAL = 295;

    private final Map<String, String> properties;

    /** The source over this process's environment (how Quarkus instantiates it). */
    public KafkaEnvironment() {
        this(System.getenv());
    }

    KafkaEnvironment(Map<String, String> environment) {
        Map<String, String> props = new TreeMap<>();
        clientKeys(environment).forEach((key, value) -> props.put("kafka-streams." + key, value));
        this.properties = Collections.unmodifiableMap(props);
    }

    /** The Kafka client keys the {@code KAFKA_STREAMS_*} variables of {@code environment} set, with their values. */
    public static Map<String, String> clientKeys(Map<String, String> environment) {
        Map<String, String> keys = new TreeMap<>();
        environment.forEach((name, value) -> {
            if (name.startsWith(PREFIX) && name.length() > PREFIX.length()) {
                keys.put(
                        name.substring(PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'), value);
            }
        });
        return keys;
    }

    /**
     * The brokers of a client configuration with the listener's security protocol and SASL mechanism, for messages:
     * {@code Kafka at host:9096 (SASL_SSL, SASL SCRAM-SHA-512)}.
     */
    public static String where(Map<String, ?> config) {
        Object mechanism = config.get("sasl.mechanism");
        Object protocol = config.get("security.protocol");
        return "Kafka at " + config.get("bootstrap.servers") + " ("
                + (protocol == null || protocol.toString().isBlank() ? "PLAINTEXT" : protocol)
                + (mechanism == null || mechanism.toString().isBlank() ? "" : ", SASL " + mechanism) + ")";
    }

    /**
     * Asks the brokers of {@code admin} (admin client settings) for their nodes, waiting at most {@code timeout}: the
     * one check of whether Kafka answers that the service and the command line share.
     *
     * @throws ExecutionException with Kafka's reason (an {@code AuthenticationException}
     *     when the brokers refused the login)
     * @throws TimeoutException when no broker answered in time
     */
    public static void describeCluster(Map<String, Object> admin, Duration timeout)
            throws ExecutionException, TimeoutException, InterruptedException {
        int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        Map<String, Object> bounded = new HashMap<>(admin);
        bounded.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
        bounded.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis);
        try (Admin client = Admin.create(bounded)) {
            client.describeCluster(new DescribeClusterOptions().timeoutMs(millis))
                    .nodes()
                    .get(millis + 1_000L, TimeUnit.MILLISECONDS);
        }
    }

    /** One line saying that the brokers of {@code config} refused the login, and Kafka's reason. */
    public static String loginRefused(Map<String, ?> config, Throwable reason) {
        return where(config) + " refused the login: " + reason.getMessage();
    }

    @Override
    public Set<String> getPropertyNames() {
        return properties.keySet();
    }

    @Override
    public Map<String, String> getProperties() {
        return properties;
    }

    @Override
    public String getValue(String propertyName) {
        return properties.get(propertyName);
    }

    @Override
    public String getName() {
        return "KAFKA_STREAMS_* environment variables";
    }

    @Override
    public int getOrdinal() {
        return ORDINAL;
    }
}
