package io.tagclip.fleet;

import io.tagclip.streams.MicroBatchProcessor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.jboss.logging.Logger;

/**
 * Reads a compacted topic of the fleet's shared state (vocabularies, CDUL heads) from the beginning, on its own
 * thread ({@link #run()}), and tells its {@link Handler} what it holds: a record (new or changed), a tombstone, or a
 * record that cannot be read (reported with its key, never skipped silently). Whenever a poll brings nothing, it asks
 * the broker for the end offsets and, once it has read up to them, tells the handler when it asked
 * ({@link Handler#caughtUp}). Every instance reads the whole topic (no consumer group), so every instance holds the
 * same state.
 *
 * @param <V> the records' Avro type
 */
public final class TopicFollower<V> implements Runnable {

    private static final Logger LOG = Logger.getLogger(TopicFollower.class);

    /** What a follower tells about its topic; called on the follower's thread only. */
    public interface Handler<V> {

        /** A follower of the topic exists from now on (called once, when it is made): wait for it to catch up. */
        void following();

        /** The topic holds {@code value} under {@code key} (new or changed). */
        void put(String key, V value);

        /** The topic removed {@code key} (a tombstone). */
        void remove(String key);

        /** The record under {@code key} cannot be read; {@code detail} says why and where. */
        void invalid(String key, String detail);

        /**
         * The follower has read the topic up to the end offsets it asked for at {@code askedAtMillis}, or found at that
         * time that the topic does not exist (there is nothing to read).
         */
        void caughtUp(long askedAtMillis);

        /** Whether the follower has read the topic to its end at least once. */
        boolean synced();
    }

    private final Consumer<String, byte[]> consumer;
    private final String topic;
    private final Deserializer<V> deserializer;
    private final Handler<V> fleet;
    private final Duration poll;
    private final LongSupplier clock;
    private volatile boolean running = true;
    private volatile String state = "starting";

    /**
     * @param consumer     a consumer without a group; owned (closed when {@link #run()} ends)
     * @param topic        the vocabularies topic
     * @param deserializer the records' Avro deserializer
     * @param fleet        hears what the topic holds
     * @param poll         longest wait of one poll, and the pause between looks for a topic that does not exist yet
     * @param clock        wall-clock milliseconds, the clock of {@link VocabularyFleet#of}
     */
    public TopicFollower(
            Consumer<String, byte[]> consumer,
            String topic,
            Deserializer<V> deserializer,
            Handler<V> fleet,
            Duration poll,
            LongSupplier clock) {
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.deserializer = Objects.requireNonNull(deserializer, "deserializer");
        this.fleet = Objects.requireNonNull(fleet, "fleet");
        this.poll = Objects.requireNonNull(poll, "poll");
        this.clock = Objects.requireNonNull(clock, "clock");
        fleet.following(); // before the thread starts: readiness waits for the first catch-up from now on
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
            LOG.errorf(e, "the follower of %s stopped: later changes in it are not applied here", topic);
        } finally {
            consumer.close();
        }
    }

    /** The topic's partitions, once it exists (or none when stopped before). */
    private List<TopicPartition> awaitTopic() {
        boolean told = false;
        while (running) {
            long asked = clock.getAsLong();
            List<PartitionInfo> infos;
            try {
                infos = consumer.partitionsFor(topic, poll.multipliedBy(10));
            } catch (TimeoutException e) {
                state = "waiting for the brokers: " + e.getMessage(); // an outage: try again, never give up
                infos = null;
            }
            if (infos != null && !infos.isEmpty()) {
                return infos.stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition()))
                        .toList();
            }
            if (infos != null) { // the brokers answered: the topic does not exist, so there is nothing to catch up on
                state = "waiting for topic " + topic;
                fleet.caughtUp(asked);
                if (!told) {
                    LOG.warnf("topic %s does not exist: following it once it is created", topic);
                    told = true;
                }
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
        Map<TopicPartition, Long> ends;
        try {
            ends = consumer.endOffsets(partitions, poll.multipliedBy(10));
        } catch (TimeoutException e) {
            return; // the brokers do not answer: not caught up, ask again after the next poll
        }
        for (TopicPartition p : partitions) {
            if (consumer.position(p) < ends.getOrDefault(p, 0L)) {
                return;
            }
        }
        if (!fleet.synced()) {
            LOG.infof("read topic %s to its end", topic);
        }
        fleet.caughtUp(asked);
    }

    /** Tells the fleet what {@code r} says; false when it must be read again (the registry is unreachable). */
    private boolean apply(ConsumerRecord<String, byte[]> r) {
        String where = r.topic() + "-" + r.partition() + "@" + r.offset();
        if (r.key() == null) {
            LOG.warnf("record %s has no key: not applied", where);
            return true;
        }
        if (r.value() == null) {
            fleet.remove(r.key());
            return true;
        }
        V value;
        try {
            value = deserializer.deserialize(r.topic(), r.headers(), r.value());
        } catch (RuntimeException e) {
            if (MicroBatchProcessor.isTransient(e)) {
                state = "waiting for the schema registry: " + e.getMessage();
                LOG.warnf("cannot read record %s yet: %s", where, e.getMessage());
                return false;
            }
            fleet.invalid(r.key(), "cannot read record " + where + ": " + e);
            return true;
        }
        try {
            fleet.put(r.key(), value);
        } catch (RuntimeException e) {
            fleet.invalid(r.key(), e.getMessage() + " (record " + where + ")");
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
