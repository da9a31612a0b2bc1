package io.tagclip.eval;

import java.util.Objects;

/**
 * Precision and recall of one class at every cut-off of its ranking: the images sorted by the class's score, highest
 * first, ties in image order, exactly as {@link MultiLabelMetrics} ranks them for AP, so that the mean precision at
 * the ranks of the positives ({@link #averagePrecision()}) is that class's AP.
 *
 * @param classIndex the class
 * @param recall {@code recall[r]}: positives among the top r + 1 images over all positives (0 without positives)
 * @param precision {@code precision[r]}: positives among the top r + 1 images over r + 1
 * @param positive {@code positive[r]}: whether the image at rank r is a positive
 */
public record PrecisionRecallCurve(int classIndex, double[] recall, double[] precision, boolean[] positive) {

    public PrecisionRecallCurve {
        Objects.requireNonNull(recall, "recall");
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(positive, "positive");
        if (recall.length != precision.length || recall.length != positive.length) {
            throw new IllegalArgumentException("curve arrays differ in length: " + recall.length + ", "
                    + precision.length + ", " + positive.length);
        }
    }

    /** The curve of class k over an images×classes score matrix and its labels. */
    public static PrecisionRecallCurve of(float[][] scores, boolean[][] labels, int k) {
        Objects.requireNonNull(scores, "scores");
        Objects.requireNonNull(labels, "labels");
        if (scores.length != labels.length || scores.length == 0) {
            throw new IllegalArgumentException("expected the same positive number of score and label rows, got "
                    + scores.length + " and " + labels.length);
        }
        if (k < 0 || k >= scores[0].length) {
            throw new IllegalArgumentException("class " + k + " out of range 0.." + (scores[0].length - 1));
        }
        Integer[] order = MultiLabelMetrics.ranking(scores, k);
        int n = order.length;
        int total = 0;
        for (boolean[] row : labels) {
            total += row[k] ? 1 : 0;
        }
        double[] recall = new double[n];
        double[] precision = new double[n];
        boolean[] positive = new boolean[n];
        int found = 0;
        for (int rank = 0; rank < n; rank++) {
            positive[rank] = labels[order[rank]][k];
            found += positive[rank] ? 1 : 0;
            precision[rank] = (double) found / (rank + 1);
            recall[rank] = total == 0 ? 0 : (double) found / total;
        }
        return new PrecisionRecallCurve(k, recall, precision, positive);
    }

    /** Mean precision at the ranks that hold a positive: the class's non-interpolated AP; 0 without positives. */
    public double averagePrecision() {
        double sum = 0;
        int count = 0;
        for (int rank = 0; rank < positive.length; rank++) {
            if (positive[rank]) {
                sum += precision[rank];
                count++;
            }
        }
        return count == 0 ? 0 : sum / count;
    }
}
