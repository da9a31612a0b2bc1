package io.tagclip.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTags;
import io.tagclip.testing.LocalStack;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kills the packaged service (on the tiny model) with SIGKILL while it is tagging a stream, starts it again, and
 * checks what a read_committed consumer sees. Under exactly_once_v2: exactly one output per input id, nothing lost from the batch
 * buffer, nothing published twice. Under at_least_once, the negative control: nothing lost either, but the outputs
 * published before the kill are published again, because their input offsets were not committed (the tagger then
 * commits every {@link #AT_LEAST_ONCE_COMMIT_INTERVAL}, far longer than the time to the kill).
 */
class CrashRecoveryIT {

    private static final int N = 200;
    /** Time to serve each image, so that the stream takes several seconds and the kill lands in the middle. */
    private static final Duration IMAGE_DELAY = Duration.ofMillis(300);
    /**
     * Commit interval under at_least_once: long enough that no offset is committed before the kill (a few seconds
     * in), so that what was published before it is published again after the restart.
     */
    static final Duration AT_LEAST_ONCE_COMMIT_INTERVAL = Duration.ofMinutes(2);

    private final LocalStack stack = LocalStack.get();

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {StreamsConfig.EXACTLY_ONCE_V2, StreamsConfig.AT_LEAST_ONCE})
    void shouldPublishEachOutputExactlyOnceAcrossAKillAndRestartOnlyUnderExactlyOnce(String guarantee)
            throws Exception {
        ItSupport.Topics topics = ItSupport.Topics.fresh(stack, "crash", 2);
        String applicationId = "crash-it-" + UUID.randomUUID().toString().substring(0, 8);
        HttpServer images = ItSupport.imageServer(IMAGE_DELAY);
        List<ImageRef> refs = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            refs.add(ItSupport.ref("img-" + i, ItSupport.url(images, "/img/" + (32 + i % 50) + "x24.png")));
        }
        List<String> outputTopics = List.of(topics.output(), topics.dlq());
        PackagedService first = null;
        PackagedService second = null;
        try {
            first = startTagger(topics, applicationId, guarantee, "first");
            ItSupport.produce(stack, topics.input(), refs, List.of());

            int committedBeforeKill = ItSupport.readCommitted(
                            stack, outputTopics, Duration.ofSeconds(90), Duration.ZERO, got -> got.size() >= 3 * 8)
                    .size();
            first.kill();
            assertThat(committedBeforeKill)
                    .as("killed in the middle of the stream")
                    .isBetween(1, N - 1);

            long killedAt = System.nanoTime();
            second = startTagger(topics, applicationId, guarantee, "second");
            List<ConsumerRecord<String, SpecificRecord>> outputs = ItSupport.readCommitted(
                    stack, outputTopics, Duration.ofSeconds(150), Duration.ofSeconds(5), got -> distinctIds(got) >= N);

            Map<String, Long> perId = outputs.stream()
                    .collect(Collectors.groupingBy(r -> ItSupport.idOf(r.value()), Collectors.counting()));
            long duplicated = perId.values().stream().filter(n -> n > 1).count();
            System.out.printf(
                    "crash test (%s): %d of %d outputs committed before the kill, all %d distinct ids "
                            + "%.1f s after it, %d ids published more than once%n",
                    guarantee,
                    committedBeforeKill,
                    N,
                    distinctIds(outputs),
                    (System.nanoTime() - killedAt) / 1e9,
                    duplicated);
            assertThat(perId).hasSize(N);
            assertThat(perId.keySet())
                    .isEqualTo(refs.stream().map(ImageRef::getId).collect(Collectors.toSet()));
            if (guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2)) {
                assertThat(perId.values()).containsOnly(1L);
            } else {
                assertThat(duplicated)
                        .as("ids published before the kill and again after the restart")
                        .isGreaterThanOrEqualTo(committedBeforeKill);
            }
            assertThat(outputs).extracting(ConsumerRecord::value).hasOnlyElementsOfType(ImageTags.class);
        } finally {
            for (PackagedService service : new PackagedService[] {first, second}) {
                if (service != null) {
                    service.kill();
                }
            }
            images.stop(0);
        }
    }

    private static long distinctIds(List<ConsumerRecord<String, SpecificRecord>> records) {
        return records.stream().map(r -> ItSupport.idOf(r.value())).distinct().count();
    }

    /** The packaged service with short timeouts; its output goes to target/crash-it-GUARANTEE-NAME.log. */
    private PackagedService startTagger(ItSupport.Topics topics, String applicationId, String guarantee, String name)
            throws IOException {
        PackagedService.Builder service = PackagedService.named("crash-it-" + guarantee + "-" + name)
                .on(stack, topics, applicationId)
                .shortTimeouts()
                .set("tagger.processing-guarantee", guarantee);
        if (guarantee.equals(StreamsConfig.AT_LEAST_ONCE)) {
            service.set("kafka-streams.commit.interval.ms", AT_LEAST_ONCE_COMMIT_INTERVAL.toMillis());
        }
        return service.start();
    }
}
