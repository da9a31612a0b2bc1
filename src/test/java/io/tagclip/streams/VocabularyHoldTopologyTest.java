package io.tagclip.streams;

import static io.tagclip.streams.TaggerTopologyTest.ref;
import static org.assertj.core.api.Assertions.assertThat;

import io.tagclip.avro.FailureReason;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.pipeline.VocabularyAvailability;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.streams.TestOutputTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Events whose vocabulary this instance is still embedding wait in the hold store, within its bounds. */
class VocabularyHoldTopologyTest {

    private static final Duration MAX_WAIT = Duration.ofMillis(200);

    /** What the availability answers per vocabulary id; absent: tag. */
    private final Map<String, VocabularyAvailability.Answer> answers = new ConcurrentHashMap<>();

    private TopologyHarness harness;
    private TestOutputTopic<String, ImageTags> tags;
    private TestOutputTopic<String, ImageTagFailure> dlq;

    /** Whether extra labels' text features are made. */
    private final AtomicBoolean extrasReady = new AtomicBoolean(true);

    private void start(TopologySettings.Hold hold) {
        VocabularyAvailability availability = new VocabularyAvailability() {
            @Override
            public Answer of(String id, long arrivedAtMillis) {
                return id == null ? Answer.TAG : answers.getOrDefault(id, Answer.TAG);
            }

            @Override
            public Answer ofExtraLabels(List<String> extraLabels) {
                return extrasReady.get()
                        ? Answer.TAG
                        : Answer.waitFor("extra labels " + extraLabels + " are being embedded");
            }
        };
        harness = new TopologyHarness(
                "hold-test", TopologySettings.defaults(4, MAX_WAIT).withHold(hold), availability);
        tags = harness.tags;
        dlq = harness.dlq;
    }

    @AfterEach
    void tearDown() {
        harness.close();
    }

    private void send(ImageRef ref) {
        harness.send(ref);
    }

    private void advance(Duration time) {
        harness.driver.advanceWallClockTime(time);
    }

    @Test
    void shouldHoldEventsOfAVocabularyBeingEmbeddedAndTagThemOnceReady() {
        start(TopologySettings.Hold.DEFAULT);
        answers.put("fresh", VocabularyAvailability.Answer.waitFor("vocabulary 'fresh' is being embedded"));
        send(ref("held-1", "img://4x4", "fresh"));
        send(ref("other-1", "img://5x5"));
        send(ref("held-2", "img://6x6", "fresh"));
        advance(MAX_WAIT.multipliedBy(5));

        assertThat(tags.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("other-1");
        assertThat(dlq.isEmpty()).isTrue();

        answers.remove("fresh");
        advance(MAX_WAIT);
        advance(MAX_WAIT);

        assertThat(tags.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("held-1", "held-2");
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void shouldKeepHoldingAnEventWhoseExtraLabelsAreStillBeingEmbedded() {
        start(TopologySettings.Hold.DEFAULT);
        extrasReady.set(false);
        send(ImageRef.newBuilder(ref("open", "img://4x4"))
                .setExtraLabels(List.of("rocket"))
                .build());
        for (int tick = 0; tick < 5; tick++) { // one punctuation per advance: five chances to release it
            advance(MAX_WAIT); // its vocabulary is ready all along: the labels decide
        }

        assertThat(tags.isEmpty()).isTrue();
        assertThat(dlq.isEmpty()).isTrue();

        extrasReady.set(true);
        advance(MAX_WAIT);
        advance(MAX_WAIT);

        assertThat(tags.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("open");
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void shouldDeadLetterAHeldEventPastMaxHoldNamingTheVocabulary() {
        start(new TopologySettings.Hold(Duration.ofSeconds(1), 100));
        answers.put("slow", VocabularyAvailability.Answer.waitFor("vocabulary 'slow' version abc is being embedded"));
        send(ref("late", "img://4x4", "slow"));
        advance(Duration.ofMillis(900));
        assertThat(dlq.isEmpty()).isTrue();

        advance(Duration.ofMillis(300));

        ImageTagFailure failure = dlq.readValue();
        assertThat(failure.getId()).isEqualTo("late");
        assertThat(failure.getReason()).isEqualTo(FailureReason.UNKNOWN);
        assertThat(failure.getReasonName()).isEqualTo(MicroBatchProcessor.VOCABULARY_NOT_READY);
        assertThat(failure.getMessage()).contains("tagger.vocabularies.max-hold", "'slow'");
        assertThat(failure.getInput().getVocabularyId()).isEqualTo("slow");
        assertThat(tags.isEmpty()).isTrue();
    }

    @Test
    void shouldDeadLetterTheOldestHeldEventPastMaxHeld() {
        start(new TopologySettings.Hold(Duration.ofMinutes(5), 2));
        answers.put("slow", VocabularyAvailability.Answer.waitFor("vocabulary 'slow' is being embedded"));
        send(ref("first", "img://4x4", "slow"));
        send(ref("second", "img://4x4", "slow"));
        assertThat(dlq.isEmpty()).isTrue();

        send(ref("third", "img://4x4", "slow"));

        ImageTagFailure failure = dlq.readValue();
        assertThat(failure.getId()).isEqualTo("first");
        assertThat(failure.getReasonName()).isEqualTo(MicroBatchProcessor.VOCABULARY_NOT_READY);
        assertThat(failure.getMessage()).contains("tagger.vocabularies.max-held", "'slow' is being embedded");
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void shouldRefuseAtOnceAVocabularyThisInstanceCannotServeAfterTheBatchBeforeIt() {
        start(TopologySettings.Hold.DEFAULT);
        answers.put("broken", VocabularyAvailability.Answer.refuse("embedding version abc failed: out of memory"));
        send(ref("before", "img://4x4"));
        send(ref("refused", "img://4x4", "broken"));

        assertThat(tags.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("before");
        ImageTagFailure failure = dlq.readValue();
        assertThat(failure.getId()).isEqualTo("refused");
        assertThat(failure.getReasonName()).isEqualTo(MicroBatchProcessor.VOCABULARY_NOT_READY);
        assertThat(failure.getMessage()).contains("out of memory");
    }
}
