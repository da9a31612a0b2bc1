package io.tagclip.pipeline;

import java.util.Objects;

/**
 * What online CDUL training learns from, recorded for a sample of the images the service tags: the image's
 * L2-normalised global CLIP embedding and the teacher's final scores, with what both belong to.
 *
 * @param modelId           model the embedding came from
 * @param modelRevision     its revision
 * @param imageSize         side of the square input the embedding was computed at
 * @param vocabularyId      vocabulary of {@code scores}
 * @param vocabularyVersion its content version
 * @param teacher           method whose final scores {@code scores} are
 * @param features          the embedding, E floats
 * @param scores            the teacher's score of every class of the vocabulary, in vocabulary order
 */
public record OnlineSample(
        String modelId,
        String modelRevision,
        int imageSize,
        String vocabularyId,
        String vocabularyVersion,
        String teacher,
        float[] features,
        float[] scores) {

    public OnlineSample {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(modelRevision, "modelRevision");
        Objects.requireNonNull(vocabularyId, "vocabularyId");
        Objects.requireNonNull(vocabularyVersion, "vocabularyVersion");
        Objects.requireNonNull(teacher, "teacher");
        features = features.clone();
        scores = scores.clone();
        if (features.length == 0 || scores.length == 0) {
            throw new IllegalArgumentException(
                    "a sample needs features and scores, got " + features.length + " and " + scores.length);
        }
    }

    @Override
    public float[] features() {
        return features.clone();
    }

    @Override
    public float[] scores() {
        return scores.clone();
    }
}
