package io.tagclip.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tagclip.objectstore.AzureOptions;
import io.tagclip.objectstore.S3Options;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The {@code tagger.fetch.s3.*} and {@code tagger.fetch.azure.*} keys as the service reads them. */
class ObjectStoreConfigTest {

    @Test
    void shouldAllowNothingAndConfigureNothingByDefault() {
        TaggerConfig config = TaggerConfigs.of(Map.of());

        S3Options s3 = TaggerRuntime.s3Options(config.fetch().s3());
        AzureOptions azure = TaggerRuntime.azureOptions(config.fetch().azure());

        assertThat(s3).isEqualTo(new S3Options(Optional.empty(), false, Optional.empty(), List.of()));
        assertThat(azure).isEqualTo(new AzureOptions(Optional.empty(), Optional.empty(), List.of()));
    }

    @Test
    void shouldReadEveryKey() {
        TaggerConfig config = TaggerConfigs.of(Map.of(
                "tagger.fetch.s3.allowed-buckets", "media-ingest,thumbnails",
                "tagger.fetch.s3.endpoint", "http://minio.storage.svc:9000",
                "tagger.fetch.s3.path-style", "true",
                "tagger.fetch.s3.region", "eu-west-1",
                "tagger.fetch.azure.allowed-containers", "mediaacct/ingest,archive/*",
                "tagger.fetch.azure.connection-string", "AccountName=a;AccountKey=k",
                "tagger.fetch.azure.endpoint", "http://127.0.0.1:10000/{account}"));

        assertThat(TaggerRuntime.s3Options(config.fetch().s3()))
                .isEqualTo(new S3Options(
                        Optional.of(URI.create("http://minio.storage.svc:9000")),
                        true,
                        Optional.of("eu-west-1"),
                        List.of("media-ingest", "thumbnails")));
        AzureOptions azure = TaggerRuntime.azureOptions(config.fetch().azure());
        assertThat(azure.allowedContainers()).containsExactly("mediaacct/ingest", "archive/*");
        assertThat(azure.connectionString()).contains("AccountName=a;AccountKey=k");
        assertThat(azure.endpoint()).contains("http://127.0.0.1:10000/{account}");
        assertThat(azure.toString()).as("the secret stays out of logs").doesNotContain("AccountKey");
    }

    @Test
    void shouldRefuseAnEndpointWithoutSchemeOrHost() {
        TaggerConfig config = TaggerConfigs.of(Map.of("tagger.fetch.s3.endpoint", "minio:9000"));

        assertThatThrownBy(() -> TaggerRuntime.s3Options(config.fetch().s3()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minio:9000");
    }
}
