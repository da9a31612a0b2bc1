package io.tagclip.inference;

import io.tagclip.pipeline.Method;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * How {@link OnlineCdulPipeline} records samples and routes images.
 *
 * @param teacher    the method that labels sampled (and unsure) images: one of {@link CdulTraining#TEACHERS}
 * @param sampleRate share of the images of the head's vocabulary that are also run through the teacher and
 *                   recorded, in [0,1]; chosen by a hash of the image id, so a replayed event is sampled again
 * @param bandLow    lower end of the confidence band: an image with any head score strictly inside
 *                   ({@code bandLow}, {@code bandHigh}) is answered by the teacher instead of the head
 * @param bandHigh   upper end; {@code bandLow == bandHigh} is an empty band (the head answers every image)
 */
public record OnlineSettings(Method teacher, double sampleRate, float bandLow, float bandHigh) {

    /** Buckets of the sampling hash. */
    private static final int BUCKETS = 10_000;

    public OnlineSettings {
        Objects.requireNonNull(teacher, "teacher");
        if (!CdulTraining.TEACHERS.contains(teacher)) {
            throw new IllegalArgumentException(
                    "the online teacher must be one of " + CdulTraining.TEACHERS + ", got " + teacher.id());
        }
        if (!(sampleRate >= 0 && sampleRate <= 1)) {
            throw new IllegalArgumentException("sample rate must be in [0,1], got " + sampleRate);
        }
        if (!(bandLow >= 0 && bandLow <= bandHigh && bandHigh <= 1)) {
            throw new IllegalArgumentException(
                    "confidence band must satisfy 0 <= low <= high <= 1, got [" + bandLow + ", " + bandHigh + "]");
        }
    }

    /** Whether the image {@code id} is recorded (a pure function of the id and the rate). */
    public boolean sampled(String id) {
        // salted, so that the sample is independent of HeadSelection's acceptance split (same hash family)
        long hash = 0xcbf29ce484222325L;
        for (byte b : ("sample|" + id).getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= 0x100000001b3L;
        }
        return Long.remainderUnsigned(hash, BUCKETS) < sampleRate * BUCKETS;
    }

    /** Whether a head with these scores is unsure of the image: some score lies strictly inside the band. */
    public boolean unsure(Iterable<Float> scores) {
        for (float s : scores) {
            if (s > bandLow && s < bandHigh) {
                return true;
            }
        }
        return false;
    }
}
