package io.tagclip.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tagclip.streams.TaggerMetrics;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The Quarkus wiring without a broker: the service boots, reports itself not ready, and serves its metrics. */
@QuarkusTest
class TaggerAppTest {

    @TestHTTPResource("/q/health/ready")
    URI ready;

    @TestHTTPResource("/q/health/live")
    URI live;

    @TestHTTPResource("/q/metrics")
    URI metrics;

    @Inject
    TaggerConfig config;

    @Inject
    TaggerRuntime runtime;

    @Test
    void shouldNotBeReadyWhileKafkaStreamsIsNotRunning() throws Exception {
        HttpResponse<String> response = get(ready);

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).contains("\"pipeline\": \"warmed-up\"").doesNotContain("\"kafka-streams\": \"RUNNING\"");
    }

    @Test
    void shouldBeAliveWithItsInferenceWorkerRunning() throws Exception {
        HttpResponse<String> response = get(live);

        assertThat(response.body()).contains("\"inference-worker\": \"running\"");
    }

    @Test
    void shouldExposeStageMetrics() throws Exception {
        runtime.metrics().fetched("ok", 1_000_000);

        String body = get(metrics).body();

        assertThat(body).contains("tagger_batch_size_images", "tagger_inference_seconds", "tagger_inference_queue_seconds",
                "tagger_fetch_seconds_count{outcome=\"ok\"", "tagger_flush_seconds", "tagger_images_total",
                "tagger_images_in_flight", "tagger_inference_queued_batches");
    }

    @Test
    void shouldApplyDocumentedDefaults() {
        assertThat(config.batch().maxSize()).isEqualTo(8);
        assertThat(config.batch().maxWait().toMillis()).isEqualTo(200);
        assertThat(config.topics().input()).isEqualTo("image-refs");
        assertThat(config.processingGuarantee()).isEqualTo("exactly_once_v2");
        assertThat(config.fetch().addressGuard()).isTrue();
        assertThat(config.fetch().fileEnabled()).isFalse();
        assertThat(runtime.metrics()).isInstanceOf(TaggerMetrics.class);
    }

    private static HttpResponse<String> get(URI uri) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }
}
