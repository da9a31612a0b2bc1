package io.tagclip.serde;

import io.tagclip.avro.BoundingBox;
import io.tagclip.avro.FailureReason;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.avro.Tag;
import io.tagclip.avro.Timings;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** One fully populated event of each contract, so round trips exercise unions, arrays, maps and logical types. */
final class SampleEvents {

    static final Instant AT = Instant.parse("2026-11-23T08:30:00.123Z");

    private SampleEvents() {}

    static ImageRef imageRef() {
        return ImageRef.newBuilder()
                .setId("img-42")
                .setUri("https://images.example.org/cat.jpg")
                .setContentType("image/jpeg")
                .setVocabularyId("coco2014")
                .setLabels(List.of("cat", "dog"))
                .setProducedAt(AT)
                .setHeaders(Map.of("trace-id", "abc123"))
                .build();
    }

    static ImageTags imageTags() {
        return ImageTags.newBuilder()
                .setId("img-42")
                .setUri("https://images.example.org/cat.jpg")
                .setTags(List.of(
                        new Tag("cat", 0.93f, new BoundingBox(10, 20, 200, 180), null, false),
                        new Tag("sofa", 0.41f, null, null, false)))
                .setMethod("tagclip")
                .setModelId("openai/clip-vit-base-patch16")
                .setModelRevision(null)
                .setVocabularyId("coco2014")
                .setVocabularyVersion("sha256:0123abcd")
                .setParamsVersion("p1")
                .setTimings(new Timings(12L, 34L, 560L))
                .setProcessedAt(AT.plusSeconds(1))
                .setHeaders(Map.of())
                .build();
    }

    static ImageTagFailure imageTagFailure() {
        return ImageTagFailure.newBuilder()
                .setId(null)
                .setUri(null)
                .setReason(FailureReason.INVALID_EVENT)
                .setMessage("value of 7 bytes is not an ImageRef")
                .setAttempt(1)
                .setFailedAt(AT)
                .setSourceTopic("image-refs")
                .setSourcePartition(3)
                .setSourceOffset(1234L)
                .setRawValue(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7}))
                .setHeaders(Map.of("tenant", "t1"))
                .build();
    }
}
