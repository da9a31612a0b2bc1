package io.tagclip.eval;

import java.util.Objects;

/**
 * An {@link EvaluationResult} with the scores and labels it was computed from, for reports that plot more than the
 * summary numbers (precision-recall curves, score distributions).
 *
 * @param result the metrics, as {@code eval} prints them
 * @param scores {@code scores[i][k]}: score of class k for image i of the split, in split order
 * @param labels {@code labels[i][k]}: whether image i is a positive of class k
 */
public record ScoredEvaluation(EvaluationResult result, float[][] scores, boolean[][] labels) {

    public ScoredEvaluation {
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(scores, "scores");
        Objects.requireNonNull(labels, "labels");
        if (scores.length != result.images() || labels.length != result.images()) {
            throw new IllegalArgumentException("expected " + result.images() + " rows of scores and labels, got "
                    + scores.length + " and " + labels.length);
        }
    }

    /** Class k's precision-recall curve, ranked as its AP was. */
    public PrecisionRecallCurve curve(int k) {
        return PrecisionRecallCurve.of(scores, labels, k);
    }
}
