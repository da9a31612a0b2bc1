package io.tagclip.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.sun.net.httpserver.HttpServer;
import io.tagclip.avro.FailureReason;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.testing.LocalStack;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The packaged service ({@code target/quarkus-app/quarkus-run.jar}, as {@code bin/tagclip serve} runs it) with the
 * real TagCLIP pipeline on the tiny fixture model: good references become tag events that name the model and
 * vocabulary, bad ones dead letters with their reasons, one output each.
 */
class PackagedServiceIT {

    private final LocalStack stack = LocalStack.get();

    @Test
    void shouldTagGoodReferencesAndDeadLetterBadOnesThroughThePackagedService() throws Exception {
        ItSupport.Topics topics = ItSupport.Topics.fresh(stack, "service", 1);
        HttpServer images = ItSupport.imageServer();
        List<ImageRef> good = List.of(
                ItSupport.ref("small", ItSupport.url(images, "/img/64x48.png")),
                ItSupport.ref("square", ItSupport.url(images, "/img/224x224.png")),
                ItSupport.ref("wide", ItSupport.url(images, "/img/300x200.png")));
        ImageRef missing = ItSupport.ref("missing", ItSupport.url(images, "/nothing-here"));
        ImageRef notImage = ItSupport.ref("not-image", ItSupport.url(images, "/text"));
        ImageRef unknownLabel = ImageRef.newBuilder(ItSupport.ref("unicorn", ItSupport.url(images, "/img/32x32.png")))
                .setLabels(List.of("unicorn"))
                .build();
        List<ImageRef> refs = new ArrayList<>(good);
        refs.addAll(List.of(missing, notImage, unknownLabel));
        byte[] malformed = "not avro".getBytes(StandardCharsets.UTF_8);

        try (OtlpReceiver otlp = new OtlpReceiver();
                PackagedService service = PackagedService.named("packaged-service-it")
                        .on(
                                stack,
                                topics,
                                "service-it-" + UUID.randomUUID().toString().substring(0, 8))
                        // tracing on, as an operator turns it on
                        .set("quarkus.otel.sdk.disabled", "false")
                        .set("quarkus.otel.exporter.otlp.traces.endpoint", otlp.endpoint())
                        .set("quarkus.otel.bsp.schedule.delay", "200ms")
                        .start()) {
            ItSupport.produce(
                    stack,
                    topics.input(),
                    refs,
                    List.of(malformed),
                    Map.of(
                            "small", Map.of("traceparent", traceparent(SMALL_TRACE, SMALL_PARENT)),
                            "missing", Map.of("traceparent", traceparent(MISSING_TRACE, MISSING_PARENT))));
            int expected = refs.size() + 1;
            List<ConsumerRecord<String, SpecificRecord>> outputs = ItSupport.readCommitted(
                    stack,
                    List.of(topics.output(), topics.dlq()),
                    Duration.ofSeconds(240),
                    Duration.ofSeconds(2),
                    got -> got.size() >= expected);

            assertThat(outputs)
                    .as("one output per input; service log: target/packaged-service-it.log")
                    .hasSize(expected);
            Map<String, ImageTags> tagged = outputs.stream()
                    .map(ConsumerRecord::value)
                    .filter(ImageTags.class::isInstance)
                    .map(ImageTags.class::cast)
                    .collect(Collectors.toMap(ImageTags::getId, Function.identity()));
            assertThat(tagged).containsOnlyKeys("small", "square", "wide");
            for (ImageTags tags : tagged.values()) {
                assertThat(tags.getMethod()).isEqualTo("tagclip");
                assertThat(tags.getModelRevision()).isEqualTo(PackagedService.TINY_REVISION);
                assertThat(tags.getVocabularyId()).isEqualTo("voc2007");
                assertThat(tags.getTags())
                        .as("at least one tag (the reference's rule)")
                        .isNotEmpty();
                assertThat(tags.getTags())
                        .allSatisfy(tag -> assertThat(tag.getScore()).isBetween(0f, 1f));
            }
            Map<String, FailureReason> reasons = outputs.stream()
                    .map(ConsumerRecord::value)
                    .filter(ImageTagFailure.class::isInstance)
                    .map(ImageTagFailure.class::cast)
                    .collect(Collectors.toMap(f -> String.valueOf(f.getId()), ImageTagFailure::getReason));
            assertThat(reasons)
                    .containsExactlyInAnyOrderEntriesOf(Map.of(
                            "missing", FailureReason.NOT_FOUND,
                            "not-image", FailureReason.UNSUPPORTED_FORMAT,
                            "unicorn", FailureReason.UNKNOWN_LABEL,
                            "malformed",
                                    FailureReason
                                            .INVALID_EVENT)); // an unparseable record's key is its dead letter's id
            assertTraced(otlp);
        } finally {
            images.stop(0);
        }
    }

    private static final String SMALL_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SMALL_PARENT = "00f067aa0ba902b7";
    private static final String MISSING_TRACE = "0af7651916cd43dd8448eb211c80319c";
    private static final String MISSING_PARENT = "b7ad6b7169203331";

    private static String traceparent(String traceId, String parentId) {
        return "00-" + traceId + "-" + parentId + "-01";
    }

    /**
     * Each event with a traceparent gets spans fetch, inference and produce (a failed fetch: fetch, with an error
     * status, and produce) in its producer's trace, children of its producer's span.
     */
    private static void assertTraced(OtlpReceiver otlp) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline
                && (names(otlp, SMALL_TRACE).size() < 3
                        || names(otlp, MISSING_TRACE).size() < 2)) {
            Thread.sleep(200);
        }
        assertThat(otlp.spans().stream().filter(s -> s.traceId().equals(SMALL_TRACE)))
                .as("spans of the traced good event; service log: target/packaged-service-it.log")
                .extracting(OtlpReceiver.Span::name, OtlpReceiver.Span::parentSpanId)
                .containsExactlyInAnyOrder(
                        tuple("fetch", SMALL_PARENT), tuple("inference", SMALL_PARENT), tuple("produce", SMALL_PARENT));
        assertThat(otlp.spans().stream().filter(s -> s.traceId().equals(MISSING_TRACE)))
                .as("spans of the traced event whose image is missing")
                .extracting(OtlpReceiver.Span::name, OtlpReceiver.Span::parentSpanId, OtlpReceiver.Span::statusCode)
                .containsExactlyInAnyOrder(
                        tuple("fetch", MISSING_PARENT, STATUS_ERROR), tuple("produce", MISSING_PARENT, STATUS_UNSET));
    }

    private static final int STATUS_UNSET = 0;
    private static final int STATUS_ERROR = 2;

    private static List<String> names(OtlpReceiver otlp, String traceId) {
        return otlp.spans().stream()
                .filter(s -> s.traceId().equals(traceId))
                .map(OtlpReceiver.Span::name)
                .toList();
    }
}
