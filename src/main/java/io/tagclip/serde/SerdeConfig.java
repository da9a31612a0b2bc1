package io.tagclip.serde;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.types.Password;

/**
 * Settings of the serde and its registry client, read from the same keys as Confluent's serializers, so existing
 * client configurations work unchanged.
 *
 * @param registryUrls     {@value #SCHEMA_REGISTRY_URL}: base URLs tried in order, or a single {@code mock://scope}
 * @param autoRegister     {@value #AUTO_REGISTER_SCHEMAS}: the serializer registers the record's schema if needed
 * @param useLatestVersion {@value #USE_LATEST_VERSION}: the serializer frames with the subject's latest version
 * @param latestCacheTtl   {@value #LATEST_CACHE_TTL_SEC}: how long the serializer trusts a looked-up latest version;
 *                         empty means for its whole life
 * @param userInfo         {@code user:password} for HTTP basic authentication, when there is one
 * @param tls              trust and key stores for {@code https} registries, when given
 * @param connectTimeout   {@value #HTTP_CONNECT_TIMEOUT_MS}: how long to wait for a connection to the registry
 * @param requestTimeout   {@value #HTTP_READ_TIMEOUT_MS}: how long to wait for the registry's answer
 */
public record SerdeConfig(
        List<String> registryUrls,
        boolean autoRegister,
        boolean useLatestVersion,
        Optional<Duration> latestCacheTtl,
        Optional<String> userInfo,
        Optional<Tls> tls,
        Duration connectTimeout,
        Duration requestTimeout) {

    /** Comma-separated registry base URLs; required. */
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    /** Register the record's schema under its subject when it is not there yet; default true. */
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    /** Frame records with the id of the subject's latest version instead of their own schema's; default false. */
    public static final String USE_LATEST_VERSION = "use.latest.version";
    /** Seconds a looked-up latest version is trusted; -1 (default) means until the serializer is closed. */
    public static final String LATEST_CACHE_TTL_SEC = "latest.cache.ttl.sec";
    /** Where basic-auth credentials come from: {@code USER_INFO} (default) or {@code URL}. */
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source";
    /** {@code user:password} for basic authentication when the source is {@code USER_INFO}. */
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
    /** Confluent's longer spelling of {@link #BASIC_AUTH_USER_INFO}, accepted too. */
    public static final String SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO = "schema.registry.basic.auth.user.info";
    /** Milliseconds to wait for a connection to the registry; default 10000. */
    public static final String HTTP_CONNECT_TIMEOUT_MS = "http.connect.timeout.ms";
    /** Milliseconds to wait for the registry's answer; default 30000. */
    public static final String HTTP_READ_TIMEOUT_MS = "http.read.timeout.ms";

    public static final String TRUSTSTORE_LOCATION = "schema.registry.ssl.truststore.location";
    public static final String TRUSTSTORE_PASSWORD = "schema.registry.ssl.truststore.password";
    public static final String TRUSTSTORE_TYPE = "schema.registry.ssl.truststore.type";
    public static final String KEYSTORE_LOCATION = "schema.registry.ssl.keystore.location";
    public static final String KEYSTORE_PASSWORD = "schema.registry.ssl.keystore.password";
    public static final String KEYSTORE_TYPE = "schema.registry.ssl.keystore.type";
    /** Password of the private key in the key store; defaults to the key store's password. */
    public static final String KEY_PASSWORD = "schema.registry.ssl.key.password";
    /** Generated class the deserializer reads keys into (class or class name); default: found by writer schema name. */
    public static final String SPECIFIC_AVRO_KEY_TYPE = "specific.avro.key.type";
    /** Generated class the deserializer reads values into (class or class name); default: found by writer schema name. */
    public static final String SPECIFIC_AVRO_VALUE_TYPE = "specific.avro.value.type";

    /** Scheme of the in-memory registry shared by everything in the JVM that names the same scope. */
    public static final String MOCK_SCHEME = "mock://";

    /** Store type when none is given: Confluent's default (the JDK's JKS type also reads PKCS12 files). */
    static final String DEFAULT_STORE_TYPE = "JKS";

    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Trust and key stores for a registry behind TLS.
     *
     * @param truststoreLocation file of certificates to trust, or empty for the JDK's defaults
     * @param keystoreLocation   file with this client's key and certificate for mutual TLS, or empty
     */
    public record Tls(
            Optional<String> truststoreLocation,
            Optional<String> truststorePassword,
            String truststoreType,
            Optional<String> keystoreLocation,
            Optional<String> keystorePassword,
            String keystoreType,
            Optional<String> keyPassword) {

        /** Without the passwords, which must never reach a log. */
        @Override
        public String toString() {
            return "Tls[truststore=" + truststoreLocation.orElse("(JDK default)") + " (" + truststoreType
                    + "), keystore=" + keystoreLocation.orElse("(none)") + " (" + keystoreType + ")]";
        }

        public Tls {
            Objects.requireNonNull(truststoreLocation, "truststoreLocation");
            Objects.requireNonNull(truststorePassword, "truststorePassword");
            Objects.requireNonNull(truststoreType, "truststoreType");
            Objects.requireNonNull(keystoreLocation, "keystoreLocation");
            Objects.requireNonNull(keystorePassword, "keystorePassword");
            Objects.requireNonNull(keystoreType, "keystoreType");
            Objects.requireNonNull(keyPassword, "keyPassword");
        }
    }

    public SerdeConfig {
        registryUrls = List.copyOf(registryUrls);
        if (registryUrls.isEmpty()) {
            throw new IllegalArgumentException("'" + SCHEMA_REGISTRY_URL + "' must name at least one registry URL");
        }
        for (String url : registryUrls) {
            if (url.startsWith(MOCK_SCHEME) ? registryUrls.size() > 1 : !url.matches("(?i)https?://.+")) {
                throw new IllegalArgumentException("'" + SCHEMA_REGISTRY_URL + "' must be http(s) URLs or one "
                        + MOCK_SCHEME + "scope URL, got " + registryUrls);
            }
        }
        Objects.requireNonNull(latestCacheTtl, "latestCacheTtl");
        Objects.requireNonNull(userInfo, "userInfo");
        Objects.requireNonNull(tls, "tls");
        requirePositive(connectTimeout, HTTP_CONNECT_TIMEOUT_MS);
        requirePositive(requestTimeout, HTTP_READ_TIMEOUT_MS);
    }

    /** Defaults for everything but the registry URLs. */
    public static SerdeConfig of(String... registryUrls) {
        return new SerdeConfig(
                Arrays.asList(registryUrls),
                true,
                false,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                DEFAULT_CONNECT_TIMEOUT,
                DEFAULT_REQUEST_TIMEOUT);
    }

    /** Reads the keys above from a Kafka client configuration; values may be strings or typed values. */
    public static SerdeConfig from(Map<String, ?> configs) {
        List<String> urls = list(configs.get(SCHEMA_REGISTRY_URL));
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("Missing '" + SCHEMA_REGISTRY_URL + "': the schema registry's URL"
                    + " (e.g. http://127.0.0.1:8085/apis/ccompat/v7, or mock://tests)");
        }
        String source = string(configs, BASIC_AUTH_CREDENTIALS_SOURCE)
                .orElse("USER_INFO")
                .toUpperCase(Locale.ROOT);
        Optional<String> userInfo;
        switch (source) {
            case "USER_INFO" ->
                userInfo = string(configs, BASIC_AUTH_USER_INFO)
                        .or(() -> string(configs, SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO));
            case "URL" -> {
                userInfo = urls.stream()
                        .map(url -> URI.create(url).getRawUserInfo())
                        .filter(Objects::nonNull)
                        .findFirst();
                if (userInfo.isEmpty()) {
                    throw new IllegalArgumentException("'" + BASIC_AUTH_CREDENTIALS_SOURCE + "' is URL but no URL in '"
                            + SCHEMA_REGISTRY_URL + "' has user:password@");
                }
                urls = urls.stream().map(SerdeConfig::withoutUserInfo).toList();
            }
            default ->
                throw new IllegalArgumentException("Unsupported '" + BASIC_AUTH_CREDENTIALS_SOURCE + "': '" + source
                        + "' (supported: USER_INFO, URL)");
        }
        userInfo.ifPresent(info -> {
            if (!info.contains(":")) {
                throw new IllegalArgumentException("Basic auth user info must be 'user:password', got one without ':'");
            }
        });
        long ttlSeconds = number(configs, LATEST_CACHE_TTL_SEC, -1);
        return new SerdeConfig(
                urls,
                bool(configs, AUTO_REGISTER_SCHEMAS, true),
                bool(configs, USE_LATEST_VERSION, false),
                ttlSeconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(ttlSeconds)),
                userInfo,
                tls(configs),
                Duration.ofMillis(number(configs, HTTP_CONNECT_TIMEOUT_MS, DEFAULT_CONNECT_TIMEOUT.toMillis())),
                Duration.ofMillis(number(configs, HTTP_READ_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT.toMillis())));
    }

    /** Without the credentials, which must never reach a log. */
    @Override
    public String toString() {
        return "SerdeConfig[registryUrls=" + registryUrls + ", autoRegister=" + autoRegister
                + ", useLatestVersion=" + useLatestVersion + ", latestCacheTtl=" + latestCacheTtl
                + ", basicAuth=" + (userInfo.isPresent() ? "yes" : "no") + ", tls=" + tls
                + ", connectTimeout=" + connectTimeout + ", requestTimeout=" + requestTimeout + "]";
    }

    /** The scope of an in-memory registry URL ({@code mock://scope}), when this is one. */
    public Optional<String> mockScope() {
        String url = registryUrls.get(0);
        return url.startsWith(MOCK_SCHEME) ? Optional.of(url.substring(MOCK_SCHEME.length())) : Optional.empty();
    }

    private static Optional<Tls> tls(Map<String, ?> configs) {
        Optional<String> truststore = string(configs, TRUSTSTORE_LOCATION);
        Optional<String> keystore = string(configs, KEYSTORE_LOCATION);
        if (truststore.isEmpty() && keystore.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Tls(
                truststore,
                string(configs, TRUSTSTORE_PASSWORD),
                string(configs, TRUSTSTORE_TYPE).orElse(DEFAULT_STORE_TYPE),
                keystore,
                string(configs, KEYSTORE_PASSWORD),
                string(configs, KEYSTORE_TYPE).orElse(DEFAULT_STORE_TYPE),
                string(configs, KEY_PASSWORD)));
    }

    private static String withoutUserInfo(String url) {
        URI uri = URI.create(url);
        if (uri.getRawUserInfo() == null) {
            return url;
        }
        return url.replaceFirst(Pattern.quote(uri.getRawUserInfo() + "@"), "");
    }

    private static List<String> list(Object value) {
        List<String> out = new ArrayList<>();
        if (value instanceof Collection<?> items) {
            items.forEach(item -> out.addAll(list(item)));
        } else if (value != null) {
            for (String part : value.toString().split(",")) {
                String url = part.trim();
                if (!url.isEmpty()) {
                    out.add(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
                }
            }
        }
        return out;
    }

    static Optional<String> string(Map<String, ?> configs, String key) {
        Object value = configs.get(key);
        if (value instanceof Password password) {
            value = password.value();
        } else if (value instanceof Class<?> type) {
            value = type.getName();
        }
        return Optional.ofNullable(value)
                .map(Object::toString)
                .map(String::trim)
                .filter(s -> !s.isEmpty());
    }

    private static boolean bool(Map<String, ?> configs, String key, boolean fallback) {
        return string(configs, key)
                .map(value -> switch (value.toLowerCase(Locale.ROOT)) {
                    case "true" -> true;
                    case "false" -> false;
                    default ->
                        throw new IllegalArgumentException("'" + key + "' must be true or false, got '" + value + "'");
                })
                .orElse(fallback);
    }

    private static long number(Map<String, ?> configs, String key, long fallback) {
        return string(configs, key)
                .map(value -> {
                    try {
                        return Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(
                                "'" + key + "' must be a whole number, got '" + value + "'", e);
                    }
                })
                .orElse(fallback);
    }

    private static void requirePositive(Duration duration, String key) {
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("'" + key + "' must be positive, got " + duration);
        }
    }
}
