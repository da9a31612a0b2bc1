package io.tagclip.fleet;

import io.tagclip.avro.CdulHead;
import io.tagclip.cdul.HeadManifest;
import io.tagclip.cdul.LinearHead;
import io.tagclip.cdul.TrainedHead;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;

/** A {@link TrainedHead} as the record of the heads topic, and back. */
public final class HeadRecords {

    private HeadRecords() {}

    /** The record of {@code head}, which replaced {@code parentVersion} (null: the teacher), published now by {@code by}. */
    public static CdulHead of(TrainedHead head, String parentVersion, String by, Instant now) {
        HeadManifest m = head.manifest();
        return CdulHead.newBuilder()
                .setVersion(m.version())
                .setParentVersion(parentVersion)
                .setTeacher(m.teacher())
                .setModelId(m.modelId())
                .setModelRevision(m.modelRevision())
                .setVocabularyId(m.vocabularyId())
                .setVocabularyVersion(m.vocabularyVersion())
                .setAcceptance(m.metrics())
                .setManifest(m.toJson())
                .setClasses(head.head().classes())
                .setDim(head.head().dim())
                .setWeight(bytes(head.head().weight()))
                .setBias(bytes(head.head().bias()))
                .setPublishedAt(now)
                .setPublishedBy(by)
                .build();
    }

    /**
     * The head {@code record} carries, checked: its weights' sizes, the manifest's version against the weights (so a
     * record changed on the way is refused), and the key against its vocabulary.
     *
     * @throws IllegalArgumentException naming what does not match
     */
    public static TrainedHead toHead(String key, CdulHead record) {
        if (!record.getVocabularyId().equals(key)) {
            throw new IllegalArgumentException(
                    "head record keyed '" + key + "' is for vocabulary '" + record.getVocabularyId() + "'");
        }
        int classes = record.getClasses();
        int dim = record.getDim();
        float[] weight = floats(record.getWeight(), (long) classes * dim, "weight");
        float[] bias = floats(record.getBias(), classes, "bias");
        TrainedHead head = new TrainedHead(
                new LinearHead(classes, dim, weight, bias), HeadManifest.fromJson(record.getManifest()));
        if (!head.manifest().version().equals(record.getVersion())) {
            throw new IllegalArgumentException("head record says version " + record.getVersion()
                    + " but its manifest says " + head.manifest().version());
        }
        return head;
    }

    private static ByteBuffer bytes(float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        return buffer;
    }

    private static float[] floats(ByteBuffer bytes, long count, String what) {
        ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() != count * Float.BYTES) {
            throw new IllegalArgumentException(
                    "head " + what + " holds " + b.remaining() + " bytes, " + count * Float.BYTES + " expected");
        }
        float[] out = new float[(int) count];
        b.asFloatBuffer().get(out);
        return out;
    }
}
