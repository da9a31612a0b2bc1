package io.tagclip.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.pipeline.VocabularyAvailability.Decision;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VocabularyFleetTest {

    private static final Vocabulary PETS_1 = Vocabulary.parse("pets", "cat\ndog\n");
    private static final Vocabulary PETS_2 = Vocabulary.parse("pets", "cat\ndog\nhamster\n");

    /** Records every change; an embedding waits for {@link #release} when {@link #gate} is set. */
    private static final class RecordingPipeline implements TaggingPipeline {
        final Vocabularies served = Vocabularies.builtIn();
        final List<String> changes = new CopyOnWriteArrayList<>();
        volatile CountDownLatch gate;
        volatile RuntimeException failure;

        @Override
        public List<TagResult> tag(List<ImageRequest> requests) {
            return List.of();
        }

        private void awaitGate() {
            CountDownLatch g = gate;
            try {
                if (g != null && !g.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("test gate never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void addVocabulary(Vocabulary vocabulary) {
            awaitGate();
            if (failure != null) {
                throw failure;
            }
            served.put(vocabulary);
            changes.add("add " + vocabulary.id() + "@" + vocabulary.version());
        }

        final Set<String> extras = ConcurrentHashMap.newKeySet();

        @Override
        public boolean extraLabelsReady(List<String> extraLabels) {
            return extras.containsAll(extraLabels);
        }

        @Override
        public void prepareExtraLabels(List<String> extraLabels) {
            awaitGate();
            if (extraLabels.contains("unsayable")) {
                throw new IllegalArgumentException("too many tokens");
            }
            changes.add("extras " + extraLabels);
            extras.addAll(extraLabels);
        }

        @Override
        public boolean removeVocabulary(String id) {
            changes.add("remove " + id);
            return served.remove(id);
        }
    }

    private final RecordingPipeline pipeline = new RecordingPipeline();
    private final AtomicLong clock = new AtomicLong(1_000);
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final VocabularyFleet fleet = new VocabularyFleet(
            pipeline, Vocabularies.builtIn().all(), Executors.newSingleThreadExecutor(), clock::get, log::add);

    @AfterEach
    void close() {
        fleet.close();
    }

    private void awaitChanges(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pipeline.changes.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        Thread.sleep(20); // let the embedder record the state after the change
        assertThat(pipeline.changes).hasSize(count);
    }

    @Test
    void shouldHoldEventsOfANewVocabularyUntilItIsEmbeddedThenServeIt() throws InterruptedException {
        fleet.following();
        fleet.caughtUp(clock.get());
        pipeline.gate = new CountDownLatch(1);
        fleet.put(PETS_1);

        assertThat(fleet.of("pets", clock.get()).decision()).isEqualTo(Decision.WAIT);
        assertThat(fleet.of("pets", clock.get()).detail()).contains("'pets'", PETS_1.version());
        assertThat(fleet.entries().get("pets").state()).isEqualTo(VocabularyFleet.State.EMBEDDING);

        pipeline.gate.countDown();
        awaitChanges(1);

        assertThat(fleet.of("pets", clock.get()).decision()).isEqualTo(Decision.TAG);
        assertThat(fleet.entries().get("pets").served()).isEqualTo(PETS_1.version());
        assertThat(log).anyMatch(line -> line.contains("pets version " + PETS_1.version() + ": ready"));
    }

    @Test
    void shouldServeTheOldVersionWhileTheNewOneIsEmbedded() throws InterruptedException {
        fleet.put(PETS_1);
        awaitChanges(1);
        pipeline.gate = new CountDownLatch(1);
        fleet.put(PETS_2);

        assertThat(fleet.of("pets", clock.get()).decision()).isEqualTo(Decision.TAG);
        assertThat(fleet.entries().get("pets").served()).isEqualTo(PETS_1.version());
        assertThat(fleet.entries().get("pets").wanted()).isEqualTo(PETS_2.version());

        pipeline.gate.countDown();
        awaitChanges(2);
        assertThat(fleet.entries().get("pets").served()).isEqualTo(PETS_2.version());
        assertThat(pipeline.served.get("pets")).isEqualTo(PETS_2);
    }

    @Test
    void shouldRemoveOnATombstoneSoLaterEventsAreUnknown() throws InterruptedException {
        fleet.following();
        fleet.put(PETS_1);
        awaitChanges(1);
        fleet.remove("pets");
        awaitChanges(2);
        fleet.caughtUp(clock.get());

        assertThat(pipeline.served.find("pets")).isEmpty();
        assertThat(fleet.entries()).doesNotContainKey("pets");
        assertThat(fleet.of("pets", clock.get()).decision()).isEqualTo(Decision.TAG); // the pipeline says unknown
    }

    @Test
    void shouldLetAnUnknownIdWaitUntilTheTopicWasReadAfterTheEventArrived() {
        fleet.following();
        fleet.caughtUp(900);
        long arrived = 1_000;

        assertThat(fleet.of("typo", arrived).decision()).isEqualTo(Decision.WAIT);
        assertThat(fleet.synced()).isTrue();

        fleet.caughtUp(1_000);
        assertThat(fleet.of("typo", arrived).decision()).isEqualTo(Decision.TAG);
    }

    @Test
    void shouldNotLetTheTopicReplaceOrRemoveASeedVocabulary() throws InterruptedException {
        fleet.put(Vocabulary.parse(Vocabularies.VOC2007, "cat\n"));
        fleet.remove(Vocabularies.VOC2007);
        Thread.sleep(50);

        assertThat(pipeline.changes).isEmpty();
        VocabularyFleet.Entry voc = fleet.entries().get(Vocabularies.VOC2007);
        assertThat(voc.state()).isEqualTo(VocabularyFleet.State.READY);
        assertThat(voc.seed()).isTrue();
        assertThat(voc.detail()).contains("seed vocabulary");
    }

    @Test
    void shouldRefuseEventsOfAVocabularyWhoseEmbeddingFailed() throws InterruptedException {
        pipeline.failure = new IllegalStateException("out of native memory");
        fleet.put(PETS_1);
        Thread.sleep(100);

        assertThat(fleet.entries().get("pets").state()).isEqualTo(VocabularyFleet.State.FAILED);
        assertThat(fleet.of("pets", clock.get()).decision()).isEqualTo(Decision.REFUSE);
        assertThat(fleet.of("pets", clock.get()).detail()).contains("out of native memory");
    }

    @Test
    void shouldLetEventsWithNewExtraLabelsWaitWhileTheEmbedderMakesThemOnce() throws InterruptedException {
        pipeline.gate = new CountDownLatch(1);
        assertThat(fleet.ofExtraLabels(List.of("zebra", "kite")).decision()).isEqualTo(Decision.WAIT);
        assertThat(fleet.ofExtraLabels(List.of("kite")).decision()).isEqualTo(Decision.WAIT);
        pipeline.gate.countDown();
        awaitChanges(1);

        assertThat(pipeline.changes).containsExactly("extras [zebra, kite]");
        assertThat(fleet.ofExtraLabels(List.of("kite", "zebra")).decision()).isEqualTo(Decision.TAG);
    }

    @Test
    void shouldRefuseAnExtraLabelWhoseEmbeddingFailed() throws InterruptedException {
        assertThat(fleet.ofExtraLabels(List.of("unsayable")).decision()).isEqualTo(Decision.WAIT);
        Thread.sleep(100);

        assertThat(fleet.ofExtraLabels(List.of("unsayable")).decision()).isEqualTo(Decision.REFUSE);
        assertThat(fleet.ofExtraLabels(List.of("unsayable")).detail()).contains("'unsayable'", "too many tokens");
    }

    @Test
    void shouldNotBeSyncedWhileFollowingUntilTheTopicWasReadOnce() {
        assertThat(fleet.synced()).isTrue();
        fleet.following();
        assertThat(fleet.synced()).isFalse();
        fleet.caughtUp(clock.get());
        assertThat(fleet.synced()).isTrue();
    }
}
