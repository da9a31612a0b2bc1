package io.tagclip.pipeline;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Outcome for one {@link ImageRequest}: tags, or the reason there are none. */
public sealed interface TagResult {

    /** The request's id. */
    String id();

    /**
     * Tags for one image.
     *
     * @param scores          every reported (non-background) label's score, in vocabulary order
     * @param tags            the labels the decision rule kept, highest score first
     * @param inferenceMillis model time of the batch this image was part of
     */
    record Tagged(
            String id,
            List<Tag> tags,
            Map<String, Float> scores,
            Provenance provenance,
            long inferenceMillis)
            implements TagResult {

        public Tagged {
            Objects.requireNonNull(id, "id");
            tags = List.copyOf(tags);
            scores = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(scores));
            Objects.requireNonNull(provenance, "provenance");
        }
    }

    /** The image could not be tagged; {@code message} names the bad value. */
    record Failed(String id, FailureKind kind, String message) implements TagResult {

        public Failed {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(message, "message");
        }
    }

    /**
     * What produced a result, so that consumers can tell results of different models, vocabularies and settings
     * apart.
     */
    record Provenance(
            String method,
            String modelId,
            String modelRevision,
            String vocabularyId,
            String vocabularyVersion,
            String paramsVersion) {}
}
