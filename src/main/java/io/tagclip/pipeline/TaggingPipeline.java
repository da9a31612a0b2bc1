package io.tagclip.pipeline;

import io.tagclip.vocab.Vocabulary;
import java.util.List;

/**
 * Tags a batch of decoded images. The only interface the Kafka side calls.
 *
 * <p>Contract: returns exactly one result per request, in request order, with the request's id. A problem with
 * one image yields a {@link TagResult.Failed} for that image and never fails its batch-mates. Results do not
 * depend on which other images share the batch. Implementations are thread-safe.
 */
public interface TaggingPipeline extends AutoCloseable {

    List<TagResult> tag(List<ImageRequest> requests);

    /**
     * Lets requests name {@code vocabulary} from now on, replacing a vocabulary with the same id. Makes its text side
     * (text features, from the text-feature cache or computed: minutes for a large vocabulary on a CPU) before it
     * becomes visible, without holding up {@link #tag} calls meanwhile, so that no later tag call embeds text. Call
     * it from one thread at a time, never from a tag call.
     *
     * @throws UnsupportedOperationException when this pipeline serves a fixed set of vocabularies
     * @throws RuntimeException when the text side cannot be made; the pipeline is unchanged then
     */
    default void addVocabulary(Vocabulary vocabulary) {
        throw new UnsupportedOperationException(
                "this pipeline serves a fixed set of vocabularies; cannot add '" + vocabulary.id() + "'");
    }

    /** Requests may no longer name the vocabulary {@code id} (they fail as an unknown vocabulary); false if unknown. */
    default boolean removeVocabulary(String id) {
        throw new UnsupportedOperationException(
                "this pipeline serves a fixed set of vocabularies; cannot remove '" + id + "'");
    }

    /**
     * Whether requests naming these extra labels (open vocabulary) would find their text features made, so that a
     * tag call does not embed them; true for a pipeline that scores no extra labels (it refuses them at once).
     */
    default boolean extraLabelsReady(List<String> extraLabels) {
        return true;
    }

    /** Makes the text features of these extra labels ahead of the calls that name them (slow; never from a call). */
    default void prepareExtraLabels(List<String> extraLabels) {}

    /** Runs one tiny batch of each shape the pipeline will use, so that the first real batch is not slow. */
    default void warmUp() {}

    @Override
    default void close() {}
}
