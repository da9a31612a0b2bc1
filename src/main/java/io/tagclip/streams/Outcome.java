package io.tagclip.streams;

import io.tagclip.avro.FailureReason;
import io.tagclip.fetch.SourceMetadata;
import io.tagclip.pipeline.TagResult;
import java.util.Objects;

/** What became of one reference of a batch. */
public sealed interface Outcome {

    /**
     * Tagged; {@code fetchMillis} is the time spent fetching and decoding this image, {@code source} the identity of
     * its bytes ({@code null} when the loader does not know it).
     */
    record Tagged(TagResult.Tagged result, long fetchMillis, SourceMetadata source) implements Outcome {

        public Tagged {
            Objects.requireNonNull(result, "result");
        }

        /** Tagged, the bytes' identity unknown. */
        public Tagged(TagResult.Tagged result, long fetchMillis) {
            this(result, fetchMillis, null);
        }
    }

    /**
     * Not tagged; {@code attempt} counts the tries of the stage that gave up. {@code reasonName} is the reason as
     * text: {@code reason}'s name, or for a reason newer than the frozen {@link FailureReason} enum its own name while
     * {@code reason} is {@code UNKNOWN}.
     */
    record Failed(FailureReason reason, String reasonName, String message, int attempt) implements Outcome {

        public Failed {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(reasonName, "reasonName");
            Objects.requireNonNull(message, "message");
        }

        /** A failure whose reason is a symbol of the enum. */
        public Failed(FailureReason reason, String message, int attempt) {
            this(reason, reason.name(), message, attempt);
        }

        /**
         * The failure named {@code name}: its enum symbol when the frozen enum has one, else {@code UNKNOWN} with the
         * name in {@link #reasonName}, so that no reader meets a symbol it does not know.
         */
        public static Failed named(String name, String message, int attempt) {
            for (FailureReason r : FailureReason.values()) {
                if (r.name().equals(name)) {
                    return new Failed(r, message, attempt);
                }
            }
            return new Failed(FailureReason.UNKNOWN, name, message, attempt);
        }
    }
}
