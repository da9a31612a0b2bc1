package io.tagclip.app;

import io.tagclip.clip.TextProgress;
import io.tagclip.vocab.TextFeatureCache;
import jakarta.inject.Singleton;
import java.util.Locale;
import org.jboss.logging.Logger;

/**
 * What the service's text features are doing while it starts: which vocabulary is being embedded or read from the
 * cache, and how far a first build has come. Logs the cache's events and a build's progress; the readiness check
 * shows {@link #describe()}.
 */
@Singleton
public class TextFeatureStatus implements TextProgress, TextFeatureCache.Listener {

    private static final Logger LOG = Logger.getLogger(TextFeatureStatus.class);

    /** Least time between two progress log lines of one build. */
    private static final long LOG_EVERY_NANOS = 10_000_000_000L;

    private volatile String state = "waiting for the model";
    private volatile String vocabulary = "";
    private long started;
    private long lastLogged;

    /** The vocabulary whose text features are prepared next. */
    public void preparing(String vocabularyId, int index, int count) {
        vocabulary = vocabularyId;
        state = "preparing vocabulary " + vocabularyId + " (" + index + " of " + count + ")";
    }

    /**
     * A vocabulary added at run time is embedded next: cache and progress lines name it; the readiness state, which
     * is about the configured vocabularies, stays as it is.
     */
    public void embeddingAdded(String vocabularyId) {
        vocabulary = vocabularyId;
    }

    /** Every configured vocabulary has its text features. */
    public void ready(int count) {
        state = "ready (" + count + " vocabularies)";
        LOG.infof("text features of all %d configured vocabularies are ready", count);
    }

    /** What the text features are doing, for the readiness check. */
    public String describe() {
        return state;
    }

    @Override
    public void on(TextFeatureCache.Event event) {
        switch (event.outcome()) {
            case HIT ->
                LOG.infof("text features of %s (%d names) read from %s", vocabulary, event.names(), event.file());
            case MISS -> {
                begin();
                LOG.infof(
                        "computing text features of %s (%d names): not in the cache %s",
                        vocabulary, event.names(), event.file().getParent());
            }
            case REJECTED -> {
                begin();
                LOG.warnf("not using cached text features of %s: %s; computing them again", vocabulary, event.detail());
            }
            case STORED -> LOG.infof("text features of %s stored in %s", vocabulary, event.file());
            case STORE_FAILED ->
                LOG.warnf(
                        "cannot store text features of %s in %s: %s (the next start computes them" + " again)",
                        vocabulary, event.file(), event.detail());
        }
    }

    @Override
    public synchronized void encoded(int done, int total) {
        long now = System.nanoTime();
        double seconds = (now - started) / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        String left = rate > 0 ? String.format(Locale.ROOT, "%.0f s left", (total - done) / rate) : "";
        state = String.format(
                Locale.ROOT,
                "embedding vocabulary %s: %d/%d prompts, %.1f prompts/s, %s",
                vocabulary,
                done,
                total,
                rate,
                left);
        if (done >= total || now - lastLogged >= LOG_EVERY_NANOS) {
            lastLogged = now;
            LOG.info(state);
        }
    }

    private synchronized void begin() {
        started = System.nanoTime();
        lastLogged = started;
    }
}
