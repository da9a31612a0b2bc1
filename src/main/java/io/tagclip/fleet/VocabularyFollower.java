package io.tagclip.fleet;

import io.tagclip.avro.VocabularyDefinition;
import io.tagclip.streams.MicroBatchProcessor;
import io.tagclip.vocab.VocabularyException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.jboss.logging.Logger;

/**
 * Reads the compacted vocabularies topic from the beginning, on its own thread ({@link #run()}), and tells the
 * {@link VocabularyFleet} what it holds: a definition (new or changed), a tombstone, or a record that cannot be read
 * (reported with the id, never skipped silently). Whenever a poll brings nothing, it asks the broker for the end
 * offsets and, once it has read up to them, tells the fleet when it asked ({@link VocabularyFleet#caughtUp}).
 * Every instance reads the whole topic (no consumer group), so every instance serves the same vocabularies.
 */
public final class VocabularyFollower implements Runnable {

    private static final Logger LOG = Logger.getLogger(VocabularyFollower.class);

    private final Consumer<String, byte[]> consumer;
    private final String topic;
    private final Deserializer<VocabularyDefinition> deserializer;
    private final VocabularyFleet fleet;
    private final Duration poll;
    private final LongSupplier clock;
    private volatile boolean running = true;
    private volatile String state = "starting";

    /**
     * @param consumer     a consumer without a group; owned (closed when {@link #run()} ends)
     * @param topic        the vocabularies topic
     * @param deserializer the definitions' Avro deserializer
     * @param poll         longest wait of one poll, and the pause between looks for a topic that does not exist yet
     * @param clock        wall-clock milliseconds, the clock of {@link VocabularyFleet#of}
     */
    public VocabularyFollower(
            Consumer<String, byte[]> consumer,
            String topic,
            Deserializer<VocabularyDefinition> deserializer,
            VocabularyFleet fleet,
            Duration poll,
            LongSupplier clock) {
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.deserializer = Objects.requireNonNull(deserializer, "deserializer");
        this.fleet = Objects.requireNonNull(fleet, "fleet");
        this.poll = Objects.requireNonNull(poll, "poll");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** What the follower is doing, for the readiness data. */
    public String state() {
        return state;
    }

    @Override
    public void run() {
        try {
            List<TopicPartition> partitions = awaitTopic();
            if (partitions.isEmpty()) {
                return;
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            fleet.following();
            state = "reading " + topic;
            while (running) {
                int read = 0;
                for (ConsumerRecord<String, byte[]> r : consumer.poll(poll)) {
                    read++;
                    if (!apply(r)) {
                        // the registry is unreachable, not the record bad: read it again after a pause
                        consumer.seek(new TopicPartition(r.topic(), r.partition()), r.offset());
                        Thread.sleep(poll.toMillis());
                        break;
                    }
                }
                if (read == 0) {
                    checkCaughtUp(partitions);
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            state = "stopped: " + e;
            LOG.errorf(e, "the vocabularies follower stopped: later vocabulary changes are not applied here");
        } finally {
            consumer.close();
        }
    }

    /** The topic's partitions, once it exists (or none when stopped before). */
    private List<TopicPartition> awaitTopic() {
        boolean told = false;
        while (running) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, poll.multipliedBy(10));
            if (infos != null && !infos.isEmpty()) {
                return infos.stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition()))
                        .toList();
            }
            state = "waiting for topic " + topic;
            if (!told) {
                LOG.warnf(
                        "vocabularies topic %s does not exist: serving the seed vocabularies only until it is created",
                        topic);
                told = true;
            }
            try {
                Thread.sleep(poll.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return List.of();
            }
        }
        return List.of();
    }

    private void checkCaughtUp(List<TopicPartition> partitions) {
        long asked = clock.getAsLong();
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, poll.multipliedBy(10));
        for (TopicPartition p : partitions) {
            if (consumer.position(p) < ends.getOrDefault(p, 0L)) {
                return;
            }
        }
        if (!fleet.synced()) {
            LOG.infof("read vocabularies topic %s to its end", topic);
        }
        fleet.caughtUp(asked);
    }

    /** Tells the fleet what {@code r} says; false when it must be read again (the registry is unreachable). */
    private boolean apply(ConsumerRecord<String, byte[]> r) {
        String where = r.topic() + "-" + r.partition() + "@" + r.offset();
        if (r.key() == null) {
            LOG.warnf("vocabularies topic record %s has no key (the vocabulary id): not applied", where);
            return true;
        }
        if (r.value() == null) {
            fleet.remove(r.key());
            return true;
        }
        try {
            VocabularyDefinition definition = deserializer.deserialize(r.topic(), r.headers(), r.value());
            fleet.put(VocabularyDefinitions.toVocabulary(r.key(), definition));
        } catch (VocabularyException e) {
            fleet.invalid(r.key(), e.getMessage() + " (record " + where + ")");
        } catch (RuntimeException e) {
            if (MicroBatchProcessor.isTransient(e)) {
                state = "waiting for the schema registry: " + e.getMessage();
                LOG.warnf("cannot read vocabulary record %s yet: %s", where, e.getMessage());
                return false;
            }
            fleet.invalid(r.key(), "cannot read record " + where + " as a VocabularyDefinition: " + e);
        }
        state = "reading " + topic;
        return true;
    }

    /** Ends {@link #run()} at its next poll; safe from any thread. */
    public void stop() {
        running = false;
        consumer.wakeup();
    }
}
