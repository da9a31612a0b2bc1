package io.tagclip.online;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;

/**
 * Which instance of the fleet trains the CDUL head: the one a Kafka consumer group gives partition 0 of the samples
 * topic. Every instance joins the group with a consumer that never reads (its partitions are paused at once); the
 * group coordinator gives partition 0 to exactly one live member, and to another one a session timeout after that
 * member dies. No extra topic or lock service is needed, and the samples topic may have any number of partitions.
 * Not thread-safe: {@link #keepAlive()} and {@link #leads()} run on the sample loop's thread.
 */
public final class GroupElection implements SampleLoop.Election {

    private final Consumer<byte[], byte[]> consumer;
    private final TopicPartition partitionZero;
    private boolean leads;

    /** @param consumer a consumer with a group id, owned (closed by {@link #close()}) */
    public GroupElection(Consumer<byte[], byte[]> consumer, String samplesTopic) {
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

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
