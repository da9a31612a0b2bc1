package io.tagclip.eval;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Scores image files: one {@code float[C]} per file, in order, C = the dataset's class count. Implementations decide
 * how to decode and how to batch; the {@link Evaluator} hands over at most its batch size of files per call.
 */
@FunctionalInterface
public interface ImageScorer {

    /** Scores a batch of image files, returning one score vector per file, in the same order. */
    List<float[]> score(List<Path> images) throws IOException;

    /** A scorer that scores one file at a time. */
    static ImageScorer perImage(SingleImageScorer scorer) {
        Objects.requireNonNull(scorer, "scorer");
        return images -> {
            List<float[]> scores = new ArrayList<>(images.size());
            for (Path image : images) {
                scores.add(scorer.score(image));
            }
            return scores;
        };
    }

    /** Scores one image file. */
    @FunctionalInterface
    interface SingleImageScorer {
        float[] score(Path image) throws IOException;
    }
}
