package io.tagclip.streams;

import io.tagclip.avro.FailureReason;
import io.tagclip.pipeline.TagResult;
import java.util.Objects;

/** What became of one reference of a batch. */
public sealed interface Outcome {

    /** Tagged; {@code fetchMillis} is the time spent fetching and decoding this image. */
    record Tagged(TagResult.Tagged result, long fetchMillis) implements Outcome {

        public Tagged {
            Objects.requireNonNull(result, "result");
        }
    }

    /** Not tagged; {@code attempt} counts the tries of the stage that gave up. */
    record Failed(FailureReason reason, String message, int attempt) implements Outcome {

        public Failed {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(message, "message");
        }
    }
}
