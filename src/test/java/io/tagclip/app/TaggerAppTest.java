package io.tagclip.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tagclip.streams.TaggerMetrics;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
        assertThat(response.body())
                .contains("\"pipeline\": \"warmed-up\"")
                .doesNotContain("\"kafka-streams\": \"RUNNING\"");
    }

    @TestHTTPResource("/q/health/started")
    URI started;

    /** No broker listens here: started (the model is loaded), alive, and readiness says the brokers are the wait. */
    @Test
    void shouldBeStartedAndAliveButSayTheBrokersAreUnreachable() throws Exception {
        HttpResponse<String> startup = get(started);
        assertThat(startup.statusCode()).as(startup.body()).isEqualTo(200);
        assertThat(startup.body()).contains("\"model\": \"model loaded and warmed up\"");
        assertThat(get(live).statusCode()).isEqualTo(200);
        assertThat(get(ready).body()).contains("\"kafka-wait\": \"brokers unreachable: ");
    }

    @TestHTTPResource("/try/")
    URI tryItPage;

    @Test
    void shouldNotServeTheTryItPageUnlessEnabled() throws Exception {
        assertThat(config.ui().enabled()).isFalse();
        assertThat(get(tryItPage).statusCode()).isEqualTo(404);
    }

    @Test
    void shouldRefuseEveryMethodButGetAndHeadOnHealthAndMetrics() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (URI endpoint : List.of(ready, live, metrics)) {
            for (String method : List.of("POST", "PUT", "DELETE", "PATCH")) {
                HttpResponse<String> response = http.send(
                        HttpRequest.newBuilder(endpoint)
                                .method(method, HttpRequest.BodyPublishers.ofString("x".repeat(100_000)))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as("%s %s", method, endpoint).isEqualTo(405);
                assertThat(response.headers().firstValue("Allow")).contains("GET, HEAD");
            }
        }
        assertThat(get(metrics).statusCode()).isEqualTo(200);
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

        assertThat(body)
                .contains(
                        "tagger_batch_size_images",
                        "tagger_inference_seconds",
                        "tagger_inference_queue_seconds",
                        "tagger_fetch_seconds_count{outcome=\"ok\"",
                        "tagger_flush_seconds",
                        "tagger_images_total",
                        "tagger_images_in_flight",
                        "tagger_inference_queued_batches");
    }

    @Test
    void dashboardShouldQueryOnlyMetricsTheServiceExports() throws Exception {
        TaggerMetrics metrics = runtime.metrics();
        metrics.batchFlushed(3, 1_000_000);
        metrics.fetched("NOT_FOUND", 1_000_000);
        metrics.inferred(3, 1_000, 1_000_000);
        metrics.tagged();
        metrics.failed("NOT_FOUND");
        TaggerMetrics.gpuMemory(metrics.registry(), "gpu(0)", () -> 1, () -> 2); // registered only on a GPU
        TaggerMetrics.onlineHead(metrics.registry()).accept("teacher"); // registered only with online CDUL
        Set<String> exported = exportedSeries(get(this.metrics).body());

        JsonNode dashboard = new ObjectMapper()
                .readTree(Path.of("deploy/grafana/tagclip-dashboard.json").toFile());
        Set<String> queried = new TreeSet<>();
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                Matcher m = METRIC.matcher(target.get("expr").asText());
                while (m.find()) {
                    queried.add(m.group());
                }
            }
        }

        assertThat(queried).as("metrics the dashboard queries").hasSizeGreaterThanOrEqualTo(10);
        assertThat(exported).as("series on /q/metrics").containsAll(queried);
    }

    /** A metric name in a PromQL expression or on a scrape line. */
    private static final Pattern METRIC = Pattern.compile("\\btagger_[a-z_]+");

    /** Names of the series a Prometheus scrape holds (histogram buckets, counts and sums included). */
    private static Set<String> exportedSeries(String scrape) {
        Set<String> names = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            Matcher m = METRIC.matcher(line);
            if (!line.startsWith("#") && m.lookingAt()) {
                names.add(m.group());
            }
        }
        return names;
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
        return HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }
}
