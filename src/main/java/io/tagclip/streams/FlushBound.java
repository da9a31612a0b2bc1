package io.tagclip.streams;

import io.tagclip.fetch.FetchSettings;
import io.tagclip.fetch.ImageFetcher;
import java.time.Duration;

/**
 * The longest one flush can keep a stream thread away from {@code poll()}: the batch's fetches, each the worst case of
 * its requests plus the decode deadline (which covers the wait for decode memory too), in waves when the fetch pool is
 * smaller than all stream threads' batches together, plus the inference timeout. It must stay below
 * {@code max.poll.interval.ms} (or the consumer leaves the group) and, under exactly-once, below
 * {@code transaction.timeout.ms} (or the broker aborts the open transaction).
 */
public final class FlushBound {

    private FlushBound() {}

    public static Duration of(
            FetchSettings fetch, int maxBatchSize, int streamThreads, int fetchThreads, Duration inferenceTimeout) {
        long concurrentFetches = (long) maxBatchSize * streamThreads;
        long waves = (concurrentFetches + fetchThreads - 1) / fetchThreads;
        long perFetch =
                ImageFetcher.worstCaseMillis(fetch) + fetch.decodeTimeout().toMillis();
        return Duration.ofMillis(waves * perFetch).plus(inferenceTimeout);
    }

    /**
     * @throws IllegalArgumentException naming the numbers when {@code bound} is not below both Kafka limits
     */
    public static void check(
            Duration bound, Duration maxPollInterval, Duration transactionTimeout, boolean exactlyOnce) {
        if (bound.compareTo(maxPollInterval) >= 0) {
            throw new IllegalArgumentException(
                    "a flush may take up to " + bound.toMillis() + " ms, not below max.poll.interval.ms = "
                            + maxPollInterval.toMillis()
                            + ": lower the fetch timeouts/attempts/redirects, tagger.fetch.decode-timeout or"
                            + " tagger.batch.inference-timeout,"
                            + " or raise kafka-streams.consumer.max.poll.interval.ms");
        }
        if (exactlyOnce && bound.compareTo(transactionTimeout) >= 0) {
            throw new IllegalArgumentException(
                    "a flush may take up to " + bound.toMillis() + " ms, not below transaction.timeout.ms = "
                            + transactionTimeout.toMillis()
                            + ": lower the fetch timeouts/attempts/redirects, tagger.fetch.decode-timeout or"
                            + " tagger.batch.inference-timeout,"
                            + " or raise kafka-streams.producer.transaction.timeout.ms");
        }
    }
}
