package io.tagclip.streams;

import io.tagclip.avro.BoundingBox;
import io.tagclip.avro.FailureReason;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.avro.Tag;
import io.tagclip.avro.Timings;
import io.tagclip.pipeline.Box;
import io.tagclip.pipeline.TagResult;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;

/** Builds the outgoing Avro events from outcomes. */
final class EventMapper {

    private EventMapper() {}

    static ImageTags tags(PendingRef pending, Outcome.Tagged outcome, long flushStartMillis, long nowMillis) {
        TagResult.Tagged result = outcome.result();
        TagResult.Provenance p = result.provenance();
        return ImageTags.newBuilder()
                .setId(pending.ref().getId())
                .setUri(pending.ref().getUri())
                .setTags(result.tags().stream().map(EventMapper::tag).toList())
                .setMethod(p.method())
                .setModelId(p.modelId())
                .setModelRevision(p.modelRevision())
                .setVocabularyId(p.vocabularyId())
                .setVocabularyVersion(p.vocabularyVersion())
                .setParamsVersion(p.paramsVersion())
                .setTimings(Timings.newBuilder()
                        .setQueueMs(Math.max(0, flushStartMillis - pending.timestamp()))
                        .setFetchMs(outcome.fetchMillis())
                        .setInferenceMs(result.inferenceMillis())
                        .build())
                .setProcessedAt(Instant.ofEpochMilli(nowMillis))
                .setHeaders(Map.copyOf(pending.ref().getHeaders()))
                .build();
    }

    static ImageTagFailure failure(PendingRef pending, Outcome.Failed outcome, long nowMillis) {
        return ImageTagFailure.newBuilder()
                .setId(pending.ref().getId())
                .setUri(pending.ref().getUri())
                .setReason(outcome.reason())
                .setMessage(outcome.message())
                .setAttempt(outcome.attempt())
                .setFailedAt(Instant.ofEpochMilli(nowMillis))
                .setSourceTopic(pending.topic())
                .setSourcePartition(pending.partition())
                .setSourceOffset(pending.offset())
                .setHeaders(Map.copyOf(pending.ref().getHeaders()))
                .build();
    }

    static ImageTagFailure invalidEvent(String topic, int partition, long offset, byte[] raw, String message, long nowMillis) {
        return ImageTagFailure.newBuilder()
                .setReason(FailureReason.INVALID_EVENT)
                .setMessage(message)
                .setAttempt(1)
                .setFailedAt(Instant.ofEpochMilli(nowMillis))
                .setSourceTopic(topic)
                .setSourcePartition(partition)
                .setSourceOffset(offset)
                .setRawValue(raw == null ? null : ByteBuffer.wrap(raw))
                .build();
    }

    private static Tag tag(io.tagclip.pipeline.Tag tag) {
        Box b = tag.box();
        return Tag.newBuilder()
                .setLabel(tag.label())
                .setScore(tag.score())
                .setBox(b == null ? null : new BoundingBox(b.x0(), b.y0(), b.x1(), b.y1()))
                .build();
    }
}
