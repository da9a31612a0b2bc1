package io.tagclip.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.types.Password;
import org.junit.jupiter.api.Test;

class SerdeConfigTest {

    @Test
    void shouldApplyConfluentDefaults() {
        SerdeConfig config = SerdeConfig.from(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "http://127.0.0.1:8085/"));

        assertThat(config.registryUrls()).containsExactly("http://127.0.0.1:8085");
        assertThat(config.autoRegister()).isTrue();
        assertThat(config.useLatestVersion()).isFalse();
        assertThat(config.latestCacheTtl()).isEmpty();
        assertThat(config.userInfo()).isEmpty();
        assertThat(config.tls()).isEmpty();
    }

    @Test
    void shouldReadCommaListsTypedValuesAndTimeouts() {
        SerdeConfig config = SerdeConfig.from(Map.of(
                SerdeConfig.SCHEMA_REGISTRY_URL,
                "http://a:1, https://b:2/apis/ccompat/v7",
                SerdeConfig.AUTO_REGISTER_SCHEMAS,
                false,
                SerdeConfig.USE_LATEST_VERSION,
                "TRUE",
                SerdeConfig.LATEST_CACHE_TTL_SEC,
                60,
                SerdeConfig.HTTP_CONNECT_TIMEOUT_MS,
                "1500",
                SerdeConfig.BASIC_AUTH_USER_INFO,
                new Password("u:p")));

        assertThat(config.registryUrls()).containsExactly("http://a:1", "https://b:2/apis/ccompat/v7");
        assertThat(config.autoRegister()).isFalse();
        assertThat(config.useLatestVersion()).isTrue();
        assertThat(config.latestCacheTtl()).contains(Duration.ofMinutes(1));
        assertThat(config.connectTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(config.userInfo()).contains("u:p");
    }

    @Test
    void shouldAcceptAListOfUrls() {
        SerdeConfig config = SerdeConfig.from(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, List.of("http://a", "http://b")));

        assertThat(config.registryUrls()).containsExactly("http://a", "http://b");
    }

    @Test
    void shouldTakeCredentialsFromTheUrlAndStripThem() {
        SerdeConfig config = SerdeConfig.from(Map.of(
                SerdeConfig.SCHEMA_REGISTRY_URL, "https://svc:pa%40ss@registry:8081",
                SerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE, "URL"));

        assertThat(config.registryUrls()).containsExactly("https://registry:8081");
        assertThat(config.userInfo()).contains("svc:pa%40ss");
    }

    @Test
    void shouldNeverPrintPasswords() {
        SerdeConfig config = SerdeConfig.from(Map.of(
                SerdeConfig.SCHEMA_REGISTRY_URL, "https://registry:8081",
                SerdeConfig.BASIC_AUTH_USER_INFO, "svc:topsecret",
                SerdeConfig.TRUSTSTORE_LOCATION, "/etc/trust.p12",
                SerdeConfig.TRUSTSTORE_PASSWORD, "alsosecret"));

        assertThat(config.toString())
                .doesNotContain("topsecret")
                .doesNotContain("alsosecret")
                .contains("/etc/trust.p12");
    }

    @Test
    void shouldNameTheBadValue() {
        assertThatThrownBy(() -> SerdeConfig.from(
                        Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "http://a", SerdeConfig.AUTO_REGISTER_SCHEMAS, "yes")))
                .hasMessageContaining(SerdeConfig.AUTO_REGISTER_SCHEMAS)
                .hasMessageContaining("'yes'");
        assertThatThrownBy(() -> SerdeConfig.from(Map.of(
                        SerdeConfig.SCHEMA_REGISTRY_URL,
                        "http://a",
                        SerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE,
                        "SASL_INHERIT")))
                .hasMessageContaining("SASL_INHERIT");
        assertThatThrownBy(() -> SerdeConfig.from(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "registry:8081")))
                .hasMessageContaining("registry:8081");
        assertThatThrownBy(() -> SerdeConfig.from(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://a,http://b")))
                .hasMessageContaining("mock://a");
    }

    @Test
    void shouldShareOneInMemoryRegistryPerScope() {
        SchemaRegistryClient first = SchemaRegistryClient.create(SerdeConfig.of("mock://shared-scope"));
        SchemaRegistryClient second = SchemaRegistryClient.create(SerdeConfig.of("mock://shared-scope"));
        try {
            assertThat(first).isSameAs(second).isInstanceOf(MockSchemaRegistry.class);
            assertThat(SchemaRegistryClient.create(SerdeConfig.of("mock://other-scope")))
                    .isNotSameAs(first);
        } finally {
            MockSchemaRegistry.dropScope("shared-scope");
            MockSchemaRegistry.dropScope("other-scope");
        }
    }
}
