package io.tagclip.fleet;

import io.tagclip.avro.VocabularyDefinition;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.pipeline.VocabularyAvailability;
import io.tagclip.vocab.Vocabulary;
import io.tagclip.vocab.VocabularyException;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The vocabularies of the fleet on this instance. The {@link TopicFollower} reports what the vocabularies topic
 * says ({@link #put}, {@link #remove}, {@link #caughtUp}); every change is applied to the pipeline on one background
 * thread, in topic order, so that embedding a vocabulary never runs on a stream thread or inside a flush, and tag
 * calls go on meanwhile. The stream asks {@link #of} whether an event can be tagged now.
 *
 * <p>Rules: an event of a vocabulary whose first version is being embedded waits; one of a vocabulary with a version
 * ready is tagged with that version while a newer one is embedded (every result names the version it used); one of a
 * vocabulary this instance failed to embed is refused naming the error; one of an id the topic does not hold is
 * tagged (and fails in the pipeline as an unknown vocabulary) only once this instance has read the topic up to an end
 * it asked for after the event arrived, so an event produced after {@code vocab put} returned never overtakes its
 * vocabulary. Seed vocabularies (built in, or the configured file) are this instance's own: the topic can neither
 * replace nor remove them, and a definition that tries is reported, not applied.
 */
public final class VocabularyFleet
        implements VocabularyAvailability, TopicFollower.Handler<VocabularyDefinition>, AutoCloseable {

    /** Where this instance stands with one vocabulary. */
    public enum State {
        /** Its first version is being embedded: events wait. */
        EMBEDDING,
        /** A version is served (perhaps while a newer one is embedded). */
        READY,
        /** The newest version could not be used here (see the detail); none is served. */
        FAILED
    }

    /**
     * One vocabulary as this instance sees it.
     *
     * @param id      the vocabulary id
     * @param wanted  the version the topic holds (for a seed: its own)
     * @param served  the version tagged with now, or null
     * @param state   where it stands
     * @param seed    a built-in or configured vocabulary of this instance
     * @param detail  what went wrong, or what the topic asked of a seed; empty otherwise
     */
    public record Entry(String id, String wanted, String served, State state, boolean seed, String detail) {}

    /** What a log should hear about (one line each). */
    public interface Listener {
        void on(String message);

        /** The embedder starts on {@code vocabulary}: text-feature progress from now on is its. */
        default void embedding(Vocabulary vocabulary) {}
    }

    /** Extra labels remembered as failed: a name that failed is refused at once until it leaves this many. */
    private static final int FAILED_EXTRAS_KEPT = 1024;

    private final TaggingPipeline pipeline;
    private final ExecutorService embedder;
    private final LongSupplier clock;
    private final Listener log;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    /** The newest definition the topic holds per id; the embedder works from it, so queued changes coalesce. */
    private final Map<String, Vocabulary> wanted = new LinkedHashMap<>();

    /** Extra labels being embedded in the background, and those whose embedding failed (with why), bounded. */
    private final Set<String> embeddingExtras = new HashSet<>();

    private final Map<String, String> failedExtras = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > FAILED_EXTRAS_KEPT;
        }
    };

    private boolean following;
    private long caughtUpAt = -1;

    /**
     * @param pipeline the pipeline whose vocabularies follow the topic
     * @param seeds    the vocabularies the pipeline already serves
     * @param embedder runs every change, one at a time (owned: shut down by {@link #close()})
     * @param clock    wall-clock milliseconds, the stream's clock
     * @param log      hears about every change
     */
    public VocabularyFleet(
            TaggingPipeline pipeline,
            Collection<Vocabulary> seeds,
            ExecutorService embedder,
            LongSupplier clock,
            Listener log) {
        this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
        this.embedder = Objects.requireNonNull(embedder, "embedder");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.log = Objects.requireNonNull(log, "log");
        for (Vocabulary seed : seeds) {
            entries.put(seed.id(), new Entry(seed.id(), seed.version(), seed.version(), State.READY, true, ""));
        }
    }

    /** A follower of the topic exists: unknown ids wait until it has caught up. */
    @Override
    public synchronized void following() {
        following = true;
    }

    /**
     * The topic holds {@code definition} under {@code key}: {@link #put(Vocabulary)} if it is valid, else
     * {@link #invalid} naming what is wrong.
     */
    @Override
    public void put(String key, VocabularyDefinition definition) {
        Vocabulary vocabulary;
        try {
            vocabulary = VocabularyDefinitions.toVocabulary(key, definition);
        } catch (VocabularyException e) {
            invalid(key, e.getMessage());
            return;
        }
        put(vocabulary);
    }

    /** The topic holds {@code vocabulary} (new or changed): embed it in the background. */
    public synchronized void put(Vocabulary vocabulary) {
        Entry entry = entries.get(vocabulary.id());
        if (entry != null && entry.seed()) {
            String detail = "the topic's version " + vocabulary.version() + " is not applied: '" + vocabulary.id()
                    + "' is a seed vocabulary of this instance (built in or tagger.model.vocabulary)";
            entries.put(entry.id(), new Entry(entry.id(), entry.wanted(), entry.served(), State.READY, true, detail));
            log.on("vocabulary " + vocabulary.id() + ": " + detail);
            return;
        }
        if (entry != null && vocabulary.version().equals(entry.wanted()) && entry.state() != State.FAILED) {
            return; // read again (a restart of the follower, a duplicate put)
        }
        String served = entry == null ? null : entry.served();
        entries.put(
                vocabulary.id(),
                new Entry(
                        vocabulary.id(),
                        vocabulary.version(),
                        served,
                        served == null ? State.EMBEDDING : State.READY,
                        false,
                        ""));
        wanted.put(vocabulary.id(), vocabulary);
        log.on("vocabulary " + vocabulary.id() + " version " + vocabulary.version() + " ("
                + vocabulary.numClasses() + " classes): embedding"
                + (served == null ? "" : ", version " + served + " served meanwhile"));
        embedder.execute(() -> apply(vocabulary.id()));
    }

    /** The topic holds a definition of {@code id} that cannot be read: nothing of it is served. */
    @Override
    public synchronized void invalid(String id, String detail) {
        Entry entry = entries.get(id);
        if (entry != null && entry.seed()) {
            entries.put(id, new Entry(id, entry.wanted(), entry.served(), State.READY, true, detail));
        } else {
            // not served any more, on any instance: a new instance could not read the older version from the topic
            entries.put(id, new Entry(id, null, null, State.FAILED, false, detail));
            wanted.remove(id);
            embedder.execute(() -> apply(id));
        }
        log.on("vocabulary " + id + ": invalid definition in the topic: " + detail);
    }

    /** The topic removed {@code id} (a tombstone): its later events are unknown-vocabulary dead letters. */
    @Override
    public synchronized void remove(String id) {
        Entry entry = entries.get(id);
        if (entry == null) {
            return;
        }
        if (entry.seed()) {
            String detail = "the topic's removal is not applied: '" + id + "' is a seed vocabulary of this instance";
            entries.put(id, new Entry(id, entry.wanted(), entry.served(), State.READY, true, detail));
            log.on("vocabulary " + id + ": " + detail);
            return;
        }
        entries.remove(id);
        wanted.remove(id);
        log.on("vocabulary " + id + ": removed");
        embedder.execute(() -> apply(id));
    }

    /** The follower has read the topic up to the end offsets it asked for at {@code askedAtMillis}. */
    @Override
    public synchronized void caughtUp(long askedAtMillis) {
        caughtUpAt = Math.max(caughtUpAt, askedAtMillis);
    }

    /** Whether this instance has read the whole topic at least once (always, when it does not follow one). */
    @Override
    public synchronized boolean synced() {
        return !following || caughtUpAt >= 0;
    }

    /** Every vocabulary this instance knows, seeds first, in the order they came. */
    public synchronized Map<String, Entry> entries() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    @Override
    public synchronized Answer of(String vocabularyId, long arrivedAtMillis) {
        if (vocabularyId == null) {
            return Answer.TAG;
        }
        Entry entry = entries.get(vocabularyId);
        if (entry == null) {
            return !following || caughtUpAt >= arrivedAtMillis
                    ? Answer.TAG
                    : Answer.waitFor("this instance has not yet read the vocabularies topic up to the event");
        }
        if (entry.served() != null) {
            return Answer.TAG;
        }
        return entry.state() == State.FAILED
                ? Answer.refuse("vocabulary '" + vocabularyId + "' cannot be served here: " + entry.detail())
                : Answer.waitFor("vocabulary '" + vocabularyId + "' version " + entry.wanted() + " is being embedded");
    }

    /**
     * Extra labels: tag when their text features are made; otherwise wait while the embedder makes the missing ones
     * (one job per batch of new names, never on a stream thread), and refuse names whose embedding failed.
     */
    @Override
    public Answer ofExtraLabels(List<String> extraLabels) {
        if (pipeline.extraLabelsReady(extraLabels)) {
            return Answer.TAG;
        }
        synchronized (this) {
            for (String name : extraLabels) {
                String failure = failedExtras.get(name);
                if (failure != null) {
                    return Answer.refuse("extra label '" + name + "' cannot be embedded: " + failure);
                }
            }
            List<String> fresh =
                    extraLabels.stream().filter(embeddingExtras::add).toList();
            if (!fresh.isEmpty()) {
                embedder.execute(() -> embedExtras(fresh));
            }
        }
        return Answer.waitFor("extra labels " + extraLabels + " are being embedded");
    }

    /** On the embedder: makes the features of new extra labels. */
    private void embedExtras(List<String> names) {
        long start = clock.getAsLong();
        try {
            pipeline.prepareExtraLabels(names);
            log.on("extra labels " + names + ": embedded in " + (clock.getAsLong() - start) + " ms");
        } catch (RuntimeException e) {
            synchronized (this) {
                names.forEach(name -> failedExtras.put(name, String.valueOf(e.getMessage())));
            }
            log.on("extra labels " + names + ": embedding failed: " + e.getMessage());
        } finally {
            synchronized (this) {
                embeddingExtras.removeAll(names);
            }
        }
    }

    /** On the embedder: brings the pipeline to the newest definition of {@code id} (or removes it). */
    private void apply(String id) {
        Vocabulary target;
        synchronized (this) {
            target = wanted.get(id);
            Entry entry = entries.get(id);
            if (target != null && entry != null && target.version().equals(entry.served())) {
                return; // already served: a later put of the same version
            }
        }
        if (target == null) {
            boolean removed = removeQuietly(id);
            if (removed) {
                log.on("vocabulary " + id + ": no longer served");
            }
            return;
        }
        long start = clock.getAsLong();
        try {
            log.embedding(target);
            pipeline.addVocabulary(target);
        } catch (RuntimeException e) {
            synchronized (this) {
                Entry entry = entries.get(id);
                if (entry != null && target.version().equals(entry.wanted())) {
                    String detail = "embedding version " + target.version() + " failed: " + e.getMessage();
                    entries.put(
                            id, new Entry(id, entry.wanted(), entry.served(), stateAfterFailure(entry), false, detail));
                    log.on("vocabulary " + id + ": " + detail);
                }
            }
            return;
        }
        synchronized (this) {
            Entry entry = entries.get(id);
            if (entry == null) {
                embedder.execute(() -> apply(id)); // removed meanwhile: take it out again
                return;
            }
            entries.put(id, new Entry(id, entry.wanted(), target.version(), State.READY, false, ""));
        }
        log.on("vocabulary " + id + " version " + target.version() + ": ready in " + (clock.getAsLong() - start)
                + " ms");
    }

    private static State stateAfterFailure(Entry entry) {
        return entry.served() != null ? State.READY : State.FAILED;
    }

    private boolean removeQuietly(String id) {
        try {
            return pipeline.removeVocabulary(id);
        } catch (RuntimeException e) {
            log.on("vocabulary " + id + ": cannot remove it: " + e.getMessage());
            return false;
        }
    }

    @Override
    public void close() {
        embedder.shutdownNow();
        try {
            embedder.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
