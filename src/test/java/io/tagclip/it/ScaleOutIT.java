package io.tagclip.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTags;
import io.tagclip.testing.LocalStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Two packaged services (on the tiny model) in one consumer group on a four-partition input; one is killed with SIGKILL mid-stream and
 * later restarted on its state directory. A read_committed consumer must see exactly one output per input, and on
 * every partition the outputs in input order (input and output topics have four partitions and the same keys, so
 * input partition p feeds output partition p).
 */
class ScaleOutIT {

    private static final int PARTITIONS = 4;
    private static final int N = 64;
    /** Time to serve each image, so that the stream lasts long enough for the kill to land in the middle. */
    private static final Duration IMAGE_DELAY = Duration.ofMillis(300);

    private final LocalStack stack = LocalStack.get();

    @Test
    void shouldPublishEachOutputOnceInInputOrderAcrossAKillInAGroupOfTwo() throws Exception {
        ItSupport.Topics topics = ItSupport.Topics.fresh(stack, "scale", PARTITIONS);
        String applicationId = "scale-it-" + UUID.randomUUID().toString().substring(0, 8);
        HttpServer images = ItSupport.imageServer(IMAGE_DELAY);
        List<ImageRef> refs = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            refs.add(ItSupport.ref(
                    String.format("img-%03d", i), ItSupport.url(images, "/img/" + (32 + i % 40) + "x24.png")));
        }
        List<String> outputTopics = List.of(topics.output(), topics.dlq());
        Path stateA = Files.createTempDirectory("scale-it-a");
        Path stateB = Files.createTempDirectory("scale-it-b");
        PackagedService a = null;
        PackagedService b = null;
        PackagedService restarted = null;
        try {
            a = startTagger(topics, applicationId, "a", stateA);
            b = startTagger(topics, applicationId, "b", stateB);
            ItSupport.produce(stack, topics.input(), refs, List.of());

            int beforeKill = ItSupport.readCommitted(
                            stack, outputTopics, Duration.ofSeconds(90), Duration.ZERO, got -> got.size() >= 12)
                    .size();
            a.kill(); // b takes over a's partitions once a's session times out
            assertThat(beforeKill).as("killed in the middle of the stream").isBetween(1, N - 1);
            Thread.sleep(2_000);
            long restartAt = System.nanoTime();
            restarted = startTagger(topics, applicationId, "a-restarted", stateA);

            List<ConsumerRecord<String, SpecificRecord>> outputs = ItSupport.readCommitted(
                    stack, outputTopics, Duration.ofSeconds(120), Duration.ofSeconds(5), got -> got.size() >= N);
            System.out.printf(
                    "scale-out test: %d of %d outputs committed before the kill, %d outputs %.1f s after the"
                            + " restart%n",
                    beforeKill, N, outputs.size(), (System.nanoTime() - restartAt) / 1e9);

            Map<String, Long> perId = outputs.stream()
                    .collect(Collectors.groupingBy(r -> ItSupport.idOf(r.value()), Collectors.counting()));
            assertThat(perId.keySet())
                    .isEqualTo(refs.stream().map(ImageRef::getId).collect(Collectors.toSet()));
            assertThat(perId.values()).containsOnly(1L);
            assertThat(outputs).extracting(ConsumerRecord::value).hasOnlyElementsOfType(ImageTags.class);
            Map<Integer, List<ConsumerRecord<String, SpecificRecord>>> byPartition =
                    outputs.stream().collect(Collectors.groupingBy(ConsumerRecord::partition));
            assertThat(byPartition).hasSize(PARTITIONS);
            byPartition
                    .values()
                    .forEach(partition -> assertThat(partition.stream()
                                    .sorted(Comparator.comparingLong(ConsumerRecord::offset))
                                    .map(ConsumerRecord::key)
                                    .toList())
                            .as("outputs of one partition in input order")
                            .isSorted());
        } finally {
            for (PackagedService service : new PackagedService[] {a, b, restarted}) {
                if (service != null) {
                    service.kill();
                }
            }
            images.stop(0);
        }
    }

    /** The packaged service with short timeouts; its output goes to target/scale-it-NAME.log. */
    private PackagedService startTagger(ItSupport.Topics topics, String applicationId, String name, Path stateDir)
            throws IOException {
        return PackagedService.named("scale-it-" + name)
                .on(stack, topics, applicationId)
                .shortTimeouts()
                .set("kafka-streams.state.dir", stateDir)
                .start();
    }
}
