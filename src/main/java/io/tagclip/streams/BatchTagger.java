package io.tagclip.streams;

import io.tagclip.avro.ImageRef;
import io.tagclip.pipeline.VocabularyAvailability;
import java.util.List;

/** Tags a flushed batch of references. Implementations are thread-safe: every stream thread calls the same one. */
@FunctionalInterface
public interface BatchTagger {

    /**
     * Returns exactly one outcome per reference, in order. A bad reference yields a {@link Outcome.Failed} and never
     * affects the others.
     *
     * @throws InterruptedException when the stream thread is interrupted; the batch stays buffered and is redone
     */
    List<Outcome> tag(List<ImageRef> refs) throws InterruptedException;

    /** {@link #tag(List)}, telling {@code steps} when each reference was fetched and inferred, where it can. */
    default List<Outcome> tag(List<ImageRef> refs, BatchSteps steps) throws InterruptedException {
        return tag(refs);
    }

    /** Whether an event's vocabulary can be tagged now, or the event should wait for it; by default always. */
    default VocabularyAvailability vocabularies() {
        return VocabularyAvailability.ALWAYS;
    }
}
