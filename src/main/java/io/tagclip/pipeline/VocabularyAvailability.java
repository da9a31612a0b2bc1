package io.tagclip.pipeline;

import java.util.List;
import java.util.Objects;

/**
 * Whether an event that names a vocabulary (or extra labels) can be tagged on this instance now: a vocabulary added
 * while the service runs, and a new extra label, is embedded in the background, and its events wait for it instead of
 * failing or making a flush embed text.
 */
@FunctionalInterface
public interface VocabularyAvailability {

    /** Tag every event now; the pipeline refuses the vocabularies it does not know. */
    VocabularyAvailability ALWAYS = (vocabularyId, arrivedAtMillis) -> Answer.TAG;

    /**
     * What to do with an event of {@code vocabularyId} (null: the default vocabulary) that arrived at
     * {@code arrivedAtMillis} (wall clock).
     */
    Answer of(String vocabularyId, long arrivedAtMillis);

    /**
     * What to do with an event that names {@code extraLabels} (open vocabulary): wait while their text features are
     * made in the background, so that no flush embeds text; by default tag at once (the flush embeds them).
     */
    default Answer ofExtraLabels(List<String> extraLabels) {
        return Answer.TAG;
    }

    /** What becomes of an event. */
    enum Decision {
        /** Tag it now (an unknown vocabulary fails in the pipeline). */
        TAG,
        /** Hold it: its vocabulary is coming. */
        WAIT,
        /** Fail it: its vocabulary is known but cannot be served here. */
        REFUSE
    }

    /** A decision, with why for {@link Decision#WAIT} and {@link Decision#REFUSE}. */
    record Answer(Decision decision, String detail) {

        public static final Answer TAG = new Answer(Decision.TAG, "");

        public Answer {
            Objects.requireNonNull(decision, "decision");
            Objects.requireNonNull(detail, "detail");
        }

        public static Answer waitFor(String detail) {
            return new Answer(Decision.WAIT, detail);
        }

        public static Answer refuse(String detail) {
            return new Answer(Decision.REFUSE, detail);
        }
    }
}
