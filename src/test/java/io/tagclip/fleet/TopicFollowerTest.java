package io.tagclip.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.tagclip.avro.VocabularyDefinition;
import io.tagclip.vocab.Vocabulary;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;

/** The follower on a {@link MockConsumer}: what it tells its handler, with and without the topic. */
class TopicFollowerTest {

    private static final String TOPIC = "tagger-vocabularies";
    private static final Vocabulary PETS = Vocabulary.parse("pets", "cat\ndog\n");

    /** Records what the follower says, as text. */
    private static final class Recorder implements TopicFollower.Handler<VocabularyDefinition> {
        final List<String> said = new CopyOnWriteArrayList<>();
        volatile boolean following;
        volatile boolean caughtUp;

        @Override
        public void following() {
            following = true;
        }

        @Override
        public void put(String key, VocabularyDefinition value) {
            said.add("put " + key + " " + value.getVersion());
        }

        @Override
        public void remove(String key) {
            said.add("remove " + key);
        }

        @Override
        public void invalid(String key, String detail) {
            said.add("invalid " + key);
        }

        @Override
        public void caughtUp(long askedAtMillis) {
            caughtUp = true;
        }

        @Override
        public boolean synced() {
            return !following || caughtUp;
        }
    }

    private static final Deserializer<VocabularyDefinition> DEFINITIONS =
            (topic, bytes) -> VocabularyDefinitions.of(PETS, Instant.EPOCH);

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(condition.getAsBoolean()).isTrue();
    }

    @Test
    void shouldWaitForTheFirstCatchUpFromTheStartAndCountAMissingTopicAsCaughtUp() throws InterruptedException {
        MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");
        Recorder recorder = new Recorder();
        TopicFollower<VocabularyDefinition> follower = new TopicFollower<>(
                consumer, TOPIC, DEFINITIONS, recorder, Duration.ofMillis(10), System::currentTimeMillis);
        assertThat(recorder.synced())
                .as("before its thread runs, the follower holds readiness")
                .isFalse();

        Thread thread = new Thread(follower);
        thread.start();
        try {
            await(() -> recorder.caughtUp);
            assertThat(follower.state()).isEqualTo("waiting for topic " + TOPIC);
        } finally {
            follower.stop();
            thread.join(5_000);
        }
    }

    @Test
    void shouldTellRecordsAndTombstonesThenCatchUp() throws InterruptedException {
        MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");
        TopicPartition partition = new TopicPartition(TOPIC, 0);
        consumer.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, Node.noNode(), null, null)));
        consumer.updateBeginningOffsets(Map.of(partition, 0L));
        consumer.updateEndOffsets(Map.of(partition, 2L));
        Recorder recorder = new Recorder();
        TopicFollower<VocabularyDefinition> follower = new TopicFollower<>(
                consumer, TOPIC, DEFINITIONS, recorder, Duration.ofMillis(10), System::currentTimeMillis);
        consumer.schedulePollTask(() -> {
            consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, 0, "pets", new byte[] {1}));
            consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, 1, "pets", null));
        });
        Thread thread = new Thread(follower);
        thread.start();
        try {
            await(() -> recorder.caughtUp);
            assertThat(recorder.said).containsExactly("put pets " + PETS.version(), "remove pets");
        } finally {
            follower.stop();
            thread.join(5_000);
        }
    }
}
