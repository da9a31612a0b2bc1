package io.tagclip.it;

import static org.assertj.core.api.Assertions.assertThat;

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

        try (PackagedService service = PackagedService.named("packaged-service-it")
                .on(stack, topics, "service-it-" + UUID.randomUUID().toString().substring(0, 8))
                .start()) {
            ItSupport.produce(stack, topics.input(), refs, List.of(malformed));
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
        } finally {
            images.stop(0);
        }
    }
}
