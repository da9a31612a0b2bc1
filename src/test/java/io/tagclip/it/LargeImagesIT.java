package io.tagclip.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.fetch.TestImages;
import io.tagclip.testing.LocalStack;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The packaged service under a small heap (1 GiB, less than the image's 40 % of a 5 GiB limit) reads, in one batch,
 * eight 16-bit RGBA PNGs just under the default pixel limit and well within the byte limit (36 MP: 288 MB each
 * decoded at full size, 2.3 GB together) and a progressive JPEG of 2,010 scans. Each ends as one output (tagged, or a dead letter naming why), the
 * small images after them are tagged, and the service stays alive and live throughout: no out-of-memory crash loop,
 * no partition stalled for minutes.
 */
class LargeImagesIT {

    /** Just under tagger.fetch.max-pixels' default of 36,000,000. */
    private static final int SIDE = 5990;

    private static final int LARGE = 8;

    private final LocalStack stack = LocalStack.get();

    @Test
    void shouldEndEveryLargeImageAndTheScanBombAsOneOutputWhileStayingLive() throws Exception {
        ItSupport.Topics topics = ItSupport.Topics.fresh(stack, "large", 1);
        byte[] large = TestImages.flatPng16Rgba(SIDE, SIDE);
        byte[] scanBomb = TestImages.manyScanJpeg(512, 2000);
        HttpServer images = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        images.setExecutor(Executors.newCachedThreadPool());
        images.createContext("/large/", exchange -> serve(exchange, large, "image/png"));
        images.createContext("/scans.jpg", exchange -> serve(exchange, scanBomb, "image/jpeg"));
        images.start();
        HttpServer small = ItSupport.imageServer();
        List<ImageRef> refs = new ArrayList<>();
        for (int i = 0; i < LARGE; i++) {
            refs.add(ItSupport.ref("large-" + i, ItSupport.url(images, "/large/" + i + ".png")));
        }
        refs.add(ItSupport.ref("scan-bomb", ItSupport.url(images, "/scans.jpg")));
        refs.add(ItSupport.ref("small-0", ItSupport.url(small, "/img/64x48.png")));
        refs.add(ItSupport.ref("small-1", ItSupport.url(small, "/img/48x64.png")));
        List<String> liveness = new CopyOnWriteArrayList<>();
        AtomicBoolean watching = new AtomicBoolean(true);
        try (PackagedService service = PackagedService.named("large-images-it")
                .on(stack, topics, "large-it-" + UUID.randomUUID().toString().substring(0, 8))
                .heap("1g")
                .httpPort()
                .set("tagger.batch.max-size", refs.size())
                .set("tagger.batch.max-wait", "2s")
                .start()) {
            Thread watcher = new Thread(() -> watchLiveness(service, watching, liveness), "liveness-watcher");
            watcher.start();
            ItSupport.produce(stack, topics.input(), refs, List.of());
            List<ConsumerRecord<String, SpecificRecord>> outputs = ItSupport.readCommitted(
                    stack,
                    List.of(topics.output(), topics.dlq()),
                    Duration.ofSeconds(240),
                    Duration.ofSeconds(2),
                    got -> got.size() >= refs.size());
            watching.set(false);
            watcher.join();

            assertThat(outputs)
                    .as("one output per input; log: target/large-images-it.log")
                    .hasSize(refs.size());
            Map<String, SpecificRecord> byId =
                    outputs.stream().collect(Collectors.toMap(r -> ItSupport.idOf(r.value()), ConsumerRecord::value));
            assertThat(byId.get("scan-bomb"))
                    .isInstanceOfSatisfying(
                            ImageTagFailure.class,
                            f -> assertThat(f.getMessage()).contains("2010 scans", "tagger.fetch.max-jpeg-scans"));
            assertThat(byId.get("small-0")).isInstanceOf(ImageTags.class);
            assertThat(byId.get("small-1")).isInstanceOf(ImageTags.class);
            for (int i = 0; i < LARGE; i++) {
                assertThat(byId.get("large-" + i))
                        .as("large-%d: tagged (decoded subsampled in throughput mode) within the heap", i)
                        .isInstanceOf(ImageTags.class);
            }
            assertThat(liveness)
                    .as("liveness while the batch was read")
                    .isNotEmpty()
                    .containsOnly("UP");
            assertThat(service.process().isAlive()).isTrue();
        } finally {
            watching.set(false);
            images.stop(0);
            small.stop(0);
        }
    }

    private static void serve(HttpExchange exchange, byte[] body, String type) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", type);
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static void watchLiveness(PackagedService service, AtomicBoolean watching, List<String> seen) {
        HttpClient http = HttpClient.newHttpClient();
        Function<String, String> status = url -> {
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create(url))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                return r.statusCode() == 200 ? "UP" : "DOWN " + r.body();
            } catch (Exception e) {
                return "unreachable";
            }
        };
        while (watching.get()) {
            String live = status.apply(service.baseUrl() + "/q/health/live");
            if (!live.equals("unreachable") || !seen.isEmpty()) {
                seen.add(live); // before the HTTP server is up nothing answers yet
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
