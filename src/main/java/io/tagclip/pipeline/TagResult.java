package io.tagclip.pipeline;

import java.util.Collections;
import java.util.LinkedHashMap;
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
     * @param sample          what online training records of this image, or {@code null} when it was not sampled
     */
    record Tagged(
            String id,
            List<Tag> tags,
            Map<String, Float> scores,
            Provenance provenance,
            long inferenceMillis,
            OnlineSample sample)
            implements TagResult {

        public Tagged {
            Objects.requireNonNull(id, "id");
            tags = List.copyOf(tags);
            scores = Collections.unmodifiableMap(new LinkedHashMap<>(scores));
            Objects.requireNonNull(provenance, "provenance");
        }

        /** Tags without a training sample. */
        public Tagged(
                String id, List<Tag> tags, Map<String, Float> scores, Provenance provenance, long inferenceMillis) {
            this(id, tags, scores, provenance, inferenceMillis, null);
        }

        /** This result carrying {@code newSample}. */
        public Tagged withSample(OnlineSample newSample) {
            return new Tagged(id, tags, scores, provenance, inferenceMillis, newSample);
        }
    }

    /**
     * The image could not be tagged; {@code message} names the bad value.
     *
     * @param attempts how many times the pipeline tried the image: 2 when it failed in a shared forward and again
     *                 alone
     */
    record Failed(String id, FailureKind kind, String message, int attempts) implements TagResult {

        public Failed {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(message, "message");
            if (attempts < 1) {
                throw new IllegalArgumentException("attempts must be at least 1, got " + attempts);
            }
        }

        /** A failure at the first attempt. */
        public Failed(String id, FailureKind kind, String message) {
            this(id, kind, message, 1);
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
