package io.tagclip.eval;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of one {@link Evaluator} run.
 *
 * @param method the scoring method's id (e.g. {@code tagclip}, {@code clip-global}, {@code cdul-global-local})
 * @param split where the split came from
 * @param images number of images scored
 * @param metrics mAP, per-class AP and overall P/R/F1
 * @param seconds wall time spent resolving and scoring the images (metric computation excluded)
 * @param cpuSeconds CPU time of the whole process over the same span (every thread, native ones included); NaN when
 *     the platform does not report it
 */
public record EvaluationResult(
        String method, String split, int images, MultiLabelMetrics metrics, double seconds, double cpuSeconds) {

    public EvaluationResult {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(split, "split");
        Objects.requireNonNull(metrics, "metrics");
        if (images <= 0) {
            throw new IllegalArgumentException("images must be positive, got " + images);
        }
    }

    /** Mean AP over all classes, classes without positives counted as AP 0 (the reference's mAP). */
    public double map() {
        return metrics.map();
    }

    /** Mean AP over the classes with at least one positive image. */
    public double mapOverClassesWithPositives() {
        return metrics.mapOverClassesWithPositives();
    }

    /** AP per class, in class order. */
    public List<Double> perClassAp() {
        return metrics.perClassAp();
    }

    /** Overall F1 at the relative threshold; NaN when there is no true positive. */
    public double f1() {
        return metrics.f1();
    }

    /** Overall precision at the relative threshold. */
    public double precision() {
        return metrics.precision();
    }

    /** Overall recall at the relative threshold. */
    public double recall() {
        return metrics.recall();
    }

    /** Throughput of the scoring loop. */
    public double imagesPerSecond() {
        return seconds > 0 ? images / seconds : Double.NaN;
    }

    /** CPU seconds the process spent per image in the scoring loop; NaN when unknown. */
    public double cpuSecondsPerImage() {
        return cpuSeconds / images;
    }
}
