package io.tagclip.streams;

import java.time.Duration;
import java.util.Objects;

/**
 * What the topology needs to know, as plain values.
 *
 * @param inputTopic   topic of {@code ImageRef} events
 * @param outputTopic  topic of {@code ImageTags} events
 * @param dlqTopic     topic of {@code ImageTagFailure} dead letters
 * @param maxBatchSize references per batch; a full batch is flushed at once
 * @param maxWait      longest a buffered reference waits for batch-mates before a partial batch is flushed
 * @param limits       bounds on input fields and on output records
 * @param samplesTopic compacted topic of {@code TrainingSample} records for online CDUL training, or {@code null}
 *                     when nothing is recorded (then samples the pipeline attaches are not written)
 * @param hold         how long and how many events may wait for a vocabulary this instance is still embedding
 */
public record TopologySettings(
        String inputTopic,
        String outputTopic,
        String dlqTopic,
        int maxBatchSize,
        Duration maxWait,
        EventLimits limits,
        String samplesTopic,
        Hold hold) {

    /**
     * Bounds on events held for their vocabulary: each waits at most {@code maxHold} after it arrived (after a
     * restart, held events count from the restart), and a task holds at most {@code maxHeld} (the oldest leaves
     * first); past either it becomes a {@code VOCABULARY_NOT_READY} dead letter.
     */
    public record Hold(Duration maxHold, int maxHeld) {

        /** 15 minutes (a large vocabulary's first embedding on a CPU takes minutes), 10,000 events per task. */
        public static final Hold DEFAULT = new Hold(Duration.ofMinutes(15), 10_000);

        public Hold {
            Objects.requireNonNull(maxHold, "maxHold");
            if (maxHold.isNegative() || maxHeld < 0) {
                throw new IllegalArgumentException("hold bounds must not be negative, got " + maxHold + ", " + maxHeld);
            }
        }
    }

    public TopologySettings {
        Objects.requireNonNull(inputTopic, "inputTopic");
        Objects.requireNonNull(outputTopic, "outputTopic");
        Objects.requireNonNull(dlqTopic, "dlqTopic");
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("maxBatchSize must be >= 1, got " + maxBatchSize);
        }
        Objects.requireNonNull(maxWait, "maxWait");
        if (maxWait.toMillis() < 1) {
            throw new IllegalArgumentException("maxWait must be at least 1 ms, got " + maxWait);
        }
        Objects.requireNonNull(limits, "limits");
        if (samplesTopic != null && samplesTopic.isBlank()) {
            throw new IllegalArgumentException("samplesTopic must be null or a topic name, got a blank one");
        }
        Objects.requireNonNull(hold, "hold");
    }

    /** Settings that record no training samples. */
    public TopologySettings(
            String inputTopic,
            String outputTopic,
            String dlqTopic,
            int maxBatchSize,
            Duration maxWait,
            EventLimits limits) {
        this(inputTopic, outputTopic, dlqTopic, maxBatchSize, maxWait, limits, null, Hold.DEFAULT);
    }

    /** A copy that writes training samples to {@code topic}. */
    public TopologySettings withSamplesTopic(String topic) {
        return new TopologySettings(inputTopic, outputTopic, dlqTopic, maxBatchSize, maxWait, limits, topic, hold);
    }

    /** A copy with other hold bounds. */
    public TopologySettings withHold(Hold bounds) {
        return new TopologySettings(
                inputTopic, outputTopic, dlqTopic, maxBatchSize, maxWait, limits, samplesTopic, bounds);
    }

    /** Settings with the default {@link EventLimits}. */
    public TopologySettings(
            String inputTopic, String outputTopic, String dlqTopic, int maxBatchSize, Duration maxWait) {
        this(inputTopic, outputTopic, dlqTopic, maxBatchSize, maxWait, EventLimits.defaults());
    }

    /** The default topics with the given batching. */
    public static TopologySettings defaults(int maxBatchSize, Duration maxWait) {
        return new TopologySettings(
                TaggerTopology.IMAGE_REFS,
                TaggerTopology.IMAGE_TAGS,
                TaggerTopology.IMAGE_REFS_DLQ,
                maxBatchSize,
                maxWait);
    }
}
