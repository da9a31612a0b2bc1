package io.tagclip.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Multi-label classification metrics exactly as the TagCLIP reference computes them ({@code utils.compute_AP} and
 * {@code utils.compute_F1(..., 'overall', 0.5, use_relative=True)}, called from {@code classify.py}).
 *
 * <ul>
 *   <li><b>AP</b> of class k: sort the images by score, descending; {@code AP_k = (1/#pos_k) Σ precision@r} over the
 *       ranks r that hold a positive image (non-interpolated AP). Ties keep the split file's image order; the
 *       reference's {@code torch.sort} leaves their order unspecified.
 *   <li><b>mAP</b> ({@link #map()}): the mean over <em>all</em> classes. A class without any positive image has AP 0
 *       and still counts, as in the reference. {@link #mapOverClassesWithPositives()} is the mean over only the
 *       classes that have at least one positive image; on VOC2007 test and COCO2014 val the two are equal.
 *   <li><b>Overall P/R/F1</b>: an image×class pair is predicted positive when its score is
 *       {@code > min + θ·(max − min)}, with min and max over that image's C scores (computed in float32 like the
 *       reference). TP, FP and FN are counted over all pairs; P = TP/(TP+FP), R = TP/(TP+FN), F1 = 2PR/(P+R).
 *       An empty denominator gives P or R = 0 (the reference adds 1e-9), and F1 is NaN when P + R = 0 (the
 *       reference's 0/0).
 * </ul>
 *
 * @param perClassAp AP per class, in class order
 * @param positivesPerClass number of positive images per class, in class order
 * @param classesWithPositives the classes with at least one positive image, ascending
 * @param map mean AP over all classes
 * @param mapOverClassesWithPositives mean AP over {@code classesWithPositives}; NaN when there are none
 * @param relativeThreshold θ of the relative threshold used for P/R/F1
 * @param truePositives predicted and labelled pairs
 * @param falsePositives predicted, unlabelled pairs
 * @param falseNegatives labelled pairs not predicted
 * @param precision overall precision
 * @param recall overall recall
 * @param f1 overall F1
 */
public record MultiLabelMetrics(
        List<Double> perClassAp,
        List<Integer> positivesPerClass,
        List<Integer> classesWithPositives,
        double map,
        double mapOverClassesWithPositives,
        double relativeThreshold,
        long truePositives,
        long falsePositives,
        long falseNegatives,
        double precision,
        double recall,
        double f1) {

    /** θ of the relative tag threshold for VOC and COCO: {@code classify.py}, {@code thres_abs = 0.5}. */
    public static final double DEFAULT_RELATIVE_THRESHOLD = 0.5;

    public MultiLabelMetrics {
        perClassAp = List.copyOf(perClassAp);
        positivesPerClass = List.copyOf(positivesPerClass);
        classesWithPositives = List.copyOf(classesWithPositives);
    }

    /**
     * Computes every metric from an images×classes score matrix and the matching ground truth.
     *
     * @param scores {@code scores[i][k]}: score of class k for image i; finite
     * @param labels {@code labels[i][k]}: whether image i is a positive of class k; same shape as {@code scores}
     * @param relativeThreshold θ in {@code [0, 1]}
     */
    public static MultiLabelMetrics compute(float[][] scores, boolean[][] labels, double relativeThreshold) {
        int numClasses = checkShapes(scores, labels);
        if (!(relativeThreshold >= 0 && relativeThreshold <= 1)) {
            throw new IllegalArgumentException("relative threshold must be in [0, 1], got " + relativeThreshold);
        }
        List<Double> ap = new ArrayList<>(numClasses);
        List<Integer> positives = new ArrayList<>(numClasses);
        List<Integer> withPositives = new ArrayList<>();
        double apSum = 0;
        double apSumWithPositives = 0;
        for (int k = 0; k < numClasses; k++) {
            double classAp = averagePrecision(scores, labels, k);
            ap.add(classAp);
            apSum += classAp;
            int classPositives = countPositives(labels, k);
            positives.add(classPositives);
            if (classPositives > 0) {
                withPositives.add(k);
                apSumWithPositives += classAp;
            }
        }
        double map = apSum / numClasses;
        double mapWithPositives = withPositives.isEmpty() ? Double.NaN : apSumWithPositives / withPositives.size();

        long tp = 0;
        long fp = 0;
        long fn = 0;
        float theta = (float) relativeThreshold;
        for (int i = 0; i < scores.length; i++) {
            float threshold = relativeThreshold(scores[i], theta);
            for (int k = 0; k < numClasses; k++) {
                boolean predicted = scores[i][k] > threshold;
                if (predicted && labels[i][k]) {
                    tp++;
                } else if (predicted) {
                    fp++;
                } else if (labels[i][k]) {
                    fn++;
                }
            }
        }
        double precision = tp + fp == 0 ? 0 : (double) tp / (tp + fp);
        double recall = tp + fn == 0 ? 0 : (double) tp / (tp + fn);
        double f1 = precision + recall == 0 ? Double.NaN : 2 * precision * recall / (precision + recall);
        return new MultiLabelMetrics(
                ap,
                positives,
                withPositives,
                map,
                mapWithPositives,
                relativeThreshold,
                tp,
                fp,
                fn,
                precision,
                recall,
                f1);
    }

    /**
     * The reference's per-image tag threshold {@code min + θ·(max − min)} over one image's scores, in float32
     * arithmetic like the reference's tensors, so that borderline scores fall on the same side.
     */
    public static float relativeThreshold(float[] imageScores, float theta) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float s : imageScores) {
            min = Math.min(min, s);
            max = Math.max(max, s);
        }
        return min + theta * (max - min);
    }

    /** Non-interpolated AP of class k; 0 when the class has no positive image. */
    static double averagePrecision(float[][] scores, boolean[][] labels, int k) {
        int n = scores.length;
        Integer[] order = ranking(scores, k);
        long positives = 0;
        double precisionSum = 0;
        for (int rank = 0; rank < n; rank++) {
            if (labels[order[rank]][k]) {
                positives++;
                precisionSum += (double) positives / (rank + 1);
            }
        }
        return positives == 0 ? 0 : precisionSum / positives;
    }

    /** Image indices by class k's score, highest first; ties keep image order. */
    static Integer[] ranking(float[][] scores, int k) {
        Integer[] order = new Integer[scores.length];
        Arrays.setAll(order, i -> i);
        // Arrays.sort on objects is stable: tied scores keep image order.
        Arrays.sort(
                order, Comparator.comparingDouble((Integer i) -> scores[i][k]).reversed());
        return order;
    }

    private static int countPositives(boolean[][] labels, int k) {
        int count = 0;
        for (boolean[] row : labels) {
            if (row[k]) {
                count++;
            }
        }
        return count;
    }

    private static int checkShapes(float[][] scores, boolean[][] labels) {
        Objects.requireNonNull(scores, "scores");
        Objects.requireNonNull(labels, "labels");
        if (scores.length != labels.length) {
            throw new IllegalArgumentException(
                    "scores have " + scores.length + " images but labels have " + labels.length);
        }
        if (scores.length == 0) {
            throw new IllegalArgumentException("no images to evaluate");
        }
        int numClasses = scores[0].length;
        if (numClasses == 0) {
            throw new IllegalArgumentException("no classes to evaluate");
        }
        for (int i = 0; i < scores.length; i++) {
            if (scores[i].length != numClasses || labels[i].length != numClasses) {
                throw new IllegalArgumentException("image " + i + " has " + scores[i].length + " scores and "
                        + labels[i].length + " labels, expected " + numClasses);
            }
            for (int k = 0; k < numClasses; k++) {
                if (!Float.isFinite(scores[i][k])) {
                    throw new IllegalArgumentException("score of image " + i + ", class " + k + " is " + scores[i][k]);
                }
            }
        }
        return numClasses;
    }
}
