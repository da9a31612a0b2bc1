package io.tagclip.online;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tagclip.avro.TrainingSample;
import io.tagclip.cdul.HeadSelection;
import io.tagclip.cdul.TrainingOptions;
import io.tagclip.inference.OnlineCdulPipeline;
import io.tagclip.pipeline.OnlineSample;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The samples-topic loop on a {@link MockConsumer}: what it holds, when it retrains, how it stops. */
class SampleLoopTest {

    private static final String TOPIC = "image-samples";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);

    private final MockConsumer<String, TrainingSample> consumer = new MockConsumer<>("earliest");
    /** Sizes of the windows the trainer was given, in order. */
    private final List<Integer> trainedOn = new CopyOnWriteArrayList<>();

    private final List<String> outcomes = new CopyOnWriteArrayList<>();
    private SampleLoop loop;
    private Thread thread;
    private long offset;

    @AfterEach
    void stop() throws InterruptedException {
        if (loop != null) {
            loop.stop();
            thread.join(5_000);
            assertThat(thread.isAlive()).as("loop thread ended").isFalse();
        }
    }

    @Test
    void shouldRetrainOnceEveryRetrainEveryNewSamplesOnceMinSamplesAreHeld() throws Exception {
        start(3, 2);
        add("a", "b");
        awaitHeld(2);
        assertThat(trainedOn).as("below min-samples: no retrain").isEmpty();
        add("c");
        awaitRetrains(1);
        add("d");
        awaitHeld(4);
        assertThat(trainedOn)
                .as("one new sample since the last retrain: not due")
                .containsExactly(3);
        add("e");
        awaitRetrains(2);
        assertThat(trainedOn).containsExactly(3, 5);
        assertThat(outcomes).containsExactly("rejected", "rejected");
    }

    @Test
    void shouldDropATombstonedSampleAndKeepOneSamplePerImage() throws Exception {
        start(100, 100);
        add("a", "b", "a");
        awaitHeld(2);
        send("b", null);
        awaitHeld(1);
        CompletableFuture<ObjectNode> asked = loop.requestRetrain();
        ObjectNode outcome = asked.get(5, TimeUnit.SECONDS);
        assertThat(outcome.get("result").asText()).isEqualTo("rejected");
        assertThat(outcome.get("samples").asInt()).isEqualTo(1);
        assertThat(trainedOn).containsExactly(1);
    }

    @Test
    void shouldAnswerARequestWithAFailureAndKeepRunningWhenTrainingThrows() throws Exception {
        loop = new SampleLoop(
                consumer,
                (samples, options, selection) -> {
                    throw new IllegalStateException("no usable sample");
                },
                settings(100, 100),
                (result, nanos) -> outcomes.add(result));
        begin();
        add("a");
        awaitHeld(1);
        ObjectNode outcome = loop.requestRetrain().get(5, TimeUnit.SECONDS);
        assertThat(outcome.get("result").asText()).isEqualTo("failed");
        assertThat(outcome.get("error").asText()).isEqualTo("no usable sample");
        add("b");
        awaitHeld(2);
        assertThat(thread.isAlive()).isTrue();
        assertThat(outcomes).containsExactly("failed");
    }

    @Test
    void shouldRunOneRetrainForAFloodOfRequests() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        loop = new SampleLoop(
                consumer,
                (samples, options, selection) -> {
                    try {
                        release.await(); // the first retrain runs until every request was sent
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return train(samples, options, selection);
                },
                settings(100, 100),
                (result, nanos) -> outcomes.add(result));
        begin();
        add("a");
        awaitHeld(1);
        List<CompletableFuture<ObjectNode>> asked = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            asked.add(loop.requestRetrain());
        }
        release.countDown();
        for (CompletableFuture<ObjectNode> request : asked) {
            assertThat(request.get(5, TimeUnit.SECONDS).get("result").asText()).isEqualTo("rejected");
        }
        assertThat(trainedOn).as("retrains for 100 requests sent at once").hasSize(1);
    }

    @Test
    void shouldCompletePendingRequestsWhenStopped() throws Exception {
        start(100, 100);
        awaitHeld(0);
        loop.stop();
        thread.join(5_000);
        assertThat(loop.requestRetrain().get(1, TimeUnit.SECONDS).get("result").asText())
                .isEqualTo("none yet");
    }

    @Test
    void shouldRetrainOnlyWhileThisInstanceIsTheFleetsTrainer() throws Exception {
        AtomicBoolean leads = new AtomicBoolean(false);
        AtomicInteger keptAlive = new AtomicInteger();
        SampleLoop.Election election = new SampleLoop.Election() {
            @Override
            public void keepAlive() {
                keptAlive.incrementAndGet();
            }

            @Override
            public boolean leads() {
                return leads.get();
            }

            @Override
            public void close() {}
        };
        startWith(2, 2, election);
        add("a", "b", "c");
        awaitHeld(3);
        ObjectNode answer = loop.requestRetrain().get(5, TimeUnit.SECONDS);
        assertThat(answer.get("result").asText()).isEqualTo("not the trainer");
        assertThat(trainedOn).as("not the trainer: no retrain").isEmpty();
        assertThat(keptAlive.get()).isPositive();

        leads.set(true); // the trainer died: this instance got partition 0
        add("d", "e");
        awaitRetrains(1);
        assertThat(trainedOn).containsExactly(5);

        // another instance passes a retrain request on through the topic: a tombstone with the request header
        RecordHeaders headers = new RecordHeaders();
        headers.add(SampleLoop.RETRAIN_REQUEST_HEADER, "host-b".getBytes(StandardCharsets.UTF_8));
        ConsumerRecord<String, TrainingSample> request = new ConsumerRecord<>(
                TOPIC,
                0,
                offset++,
                System.currentTimeMillis(),
                TimestampType.CREATE_TIME,
                0,
                0,
                "retrain-request",
                null,
                headers,
                Optional.empty());
        consumer.schedulePollTask(() -> consumer.addRecord(request));
        awaitRetrains(2);
        assertThat(trainedOn).as("the request is no sample").containsExactly(5, 5);
    }

    private void start(int minSamples, int retrainEvery) {
        startWith(minSamples, retrainEvery, SampleLoop.Election.ALONE);
    }

    private void startWith(int minSamples, int retrainEvery, SampleLoop.Election election) {
        loop = new SampleLoop(
                consumer,
                this::train,
                settings(minSamples, retrainEvery),
                (result, nanos) -> outcomes.add(result),
                election,
                (head, parent) -> {});
        begin();
    }

    private void begin() {
        consumer.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, Node.noNode(), new Node[0], new Node[0])));
        consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
        thread = new Thread(loop, "sample-loop-test");
        thread.start();
    }

    private static SampleLoop.Settings settings(int minSamples, int retrainEvery) {
        return new SampleLoop.Settings(
                TOPIC, 100, minSamples, retrainEvery, 42, 5, 0.2, 0, Optional.empty(), Duration.ofMillis(10));
    }

    private OnlineCdulPipeline.Retrain train(
            Map<String, OnlineSample> samples, TrainingOptions options, HeadSelection selection) {
        trainedOn.add(samples.size());
        return new OnlineCdulPipeline.Retrain(
                new HeadSelection.Decision(null, null, samples.size(), 0, 0.5, 0.4, false), samples.size(), null, null);
    }

    private void add(String... ids) {
        for (String id : ids) {
            send(id, sample(id));
        }
    }

    private void send(String key, TrainingSample value) {
        // MockConsumer.addRecord must run on the polling thread's schedule to avoid racing its poll
        consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, offset++, key, value)));
    }

    private static TrainingSample sample(String id) {
        return TrainingSample.newBuilder()
                .setId(id)
                .setModelId("tiny")
                .setModelRevision("r1")
                .setImageSize(224)
                .setVocabularyId("voc")
                .setVocabularyVersion("v1")
                .setTeacher("tagclip")
                .setFeatures(new ArrayList<>(List.of(0.5f, -0.5f)))
                .setScores(new ArrayList<>(List.of(0.9f, 0.1f)))
                .setRecordedAt(Instant.EPOCH)
                .build();
    }

    private void awaitHeld(int count) throws InterruptedException {
        await(() -> loop.held() == count, "held " + count + " samples, holds " + loop.held());
    }

    private void awaitRetrains(int count) throws InterruptedException {
        await(() -> trainedOn.size() == count, count + " retrains, saw " + trainedOn);
    }

    private void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited for: %s", what).isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
