package io.tagclip.online;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Which instance of the fleet trains the CDUL head: the one a Kafka consumer group gives partition 0 of the samples
 * topic. Every instance joins the group with a consumer that never reads (its partitions are paused at once); the
 * group coordinator gives partition 0 to exactly one live member, and to another one a session timeout after that
 * member dies (at once when it leaves cleanly). The cooperative sticky assignor keeps partition 0 with its holder while
 * members join, so a starting or restarted instance never deposes the trainer. No extra topic or lock service is needed, and the
 * samples topic may have any number of partitions.
 * Not thread-safe: {@link #keepAlive()} and {@link #leads()} run on the sample loop's thread.
 */
public final class GroupElection implements SampleLoop.Election {

    /** A dead trainer's partition moves to another member after this long (the broker's minimum is 6 s). */
    static final int SESSION_TIMEOUT_MS = 10_000;
    /** A retrain runs between two polls of the election consumer: it may take this long before the trainer is deposed. */
    static final int MAX_POLL_INTERVAL_MS = 900_000;

    private final Consumer<byte[], byte[]> consumer;
    private final TopicPartition partitionZero;
    private boolean leads;

    /**
     * Joins the election.
     *
     * @param clientConfig the cluster's consumer settings (bootstrap servers, security); the election adds its own
     * @param group the election's consumer group, the same on every instance of the fleet
     */
    public static GroupElection join(Map<String, Object> clientConfig, String group, String samplesTopic) {
        Map<String, Object> props = new HashMap<>(clientConfig);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MS);
        props.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, MAX_POLL_INTERVAL_MS);
        // partition 0 stays with its holder when members join: a starting instance never deposes the trainer
        props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        return new GroupElection(
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer()), samplesTopic);
    }

    /** @param consumer a consumer with a group id, owned (closed by {@link #close()}) */
    private GroupElection(Consumer<byte[], byte[]> consumer, String samplesTopic) {
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.partitionZero = new TopicPartition(samplesTopic, 0);
        consumer.subscribe(List.of(samplesTopic), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                if (partitions.contains(partitionZero)) {
                    leads = false;
                }
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                consumer.pause(partitions); // membership only: the sample loop reads the topic with its own consumer
                if (partitions.contains(partitionZero)) {
                    leads = true;
                }
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                onPartitionsRevoked(partitions);
            }
        });
    }

    @Override
    public void keepAlive() {
        consumer.poll(Duration.ZERO);
    }

    @Override
    public boolean leads() {
        return leads;
    }

    /** The partitions of the samples topic this member holds now. */
    Set<TopicPartition> holds() {
        return consumer.assignment();
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
