package io.tagclip.eval;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Runs a scorer over every image of a split, in batches, and computes {@link MultiLabelMetrics} against the split's
 * labels, timing the scoring loop.
 *
 * <pre>{@code
 * SplitFile split = SplitFile.read(Path.of("test_cls.txt"), 20);
 * EvaluationResult result = new Evaluator("clip-global", scorer, 16).evaluate(split, Path.of("JPEGImages"));
 * System.out.println(EvaluationReport.toJson(result, classNames));
 * }</pre>
 */
public final class Evaluator {

    private final String method;
    private final ImageScorer scorer;
    private final int batchSize;
    private final double relativeThreshold;
    private final LongSupplier nanoTime;

    /** An evaluator with the reference's relative threshold θ = 0.5 and the system clock. */
    public Evaluator(String method, ImageScorer scorer, int batchSize) {
        this(method, scorer, batchSize, MultiLabelMetrics.DEFAULT_RELATIVE_THRESHOLD, System::nanoTime);
    }

    /**
     * @param method id of the method the scorer implements, copied into the result
     * @param scorer scores batches of image files
     * @param batchSize how many files each scorer call receives (the last call may get fewer)
     * @param relativeThreshold θ of the P/R/F1 threshold {@code min + θ(max − min)}
     * @param nanoTime monotonic clock in nanoseconds
     */
    public Evaluator(
            String method, ImageScorer scorer, int batchSize, double relativeThreshold, LongSupplier nanoTime) {
        this.method = Objects.requireNonNull(method, "method");
        this.scorer = Objects.requireNonNull(scorer, "scorer");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        if (!(relativeThreshold >= 0 && relativeThreshold <= 1)) {
            throw new IllegalArgumentException("relative threshold must be in [0, 1], got " + relativeThreshold);
        }
        this.batchSize = batchSize;
        this.relativeThreshold = relativeThreshold;
    }

    /**
     * Scores every image of {@code split} found in {@code imageFolder} and evaluates the scores.
     *
     * @throws EvaluationException when an image is missing, the scorer fails, or it returns the wrong number of
     *     scores
     */
    public EvaluationResult evaluate(SplitFile split, Path imageFolder) {
        return evaluateScored(split, imageFolder).result();
    }

    /**
     * {@link #evaluate}, keeping the score matrix and labels the metrics were computed from.
     *
     * @throws EvaluationException as {@link #evaluate} does
     */
    public ScoredEvaluation evaluateScored(SplitFile split, Path imageFolder) {
        Objects.requireNonNull(split, "split");
        if (split.size() == 0) {
            throw new EvaluationException("split " + split.source() + " lists no images");
        }
        ImageFolder folder = new ImageFolder(imageFolder);
        float[][] scores = new float[split.size()][];
        long start = nanoTime.getAsLong();
        double cpuStart = processCpuSeconds();
        for (int from = 0; from < split.size(); from += batchSize) {
            int to = Math.min(from + batchSize, split.size());
            List<Path> files = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                files.add(folder.resolve(split.entries().get(i).imageId()));
            }
            List<float[]> batchScores = scoreBatch(files);
            for (int i = from; i < to; i++) {
                float[] imageScores = batchScores.get(i - from);
                if (imageScores == null || imageScores.length != split.numClasses()) {
                    throw new EvaluationException(
                            "scorer returned " + (imageScores == null ? "null" : imageScores.length + " scores")
                                    + " for " + files.get(i - from) + ", expected " + split.numClasses());
                }
                scores[i] = imageScores.clone();
            }
        }
        double seconds = (nanoTime.getAsLong() - start) / 1e9;
        double cpu = processCpuSeconds() - cpuStart;
        boolean[][] labels = split.labelMatrix();
        MultiLabelMetrics metrics = MultiLabelMetrics.compute(scores, labels, relativeThreshold);
        return new ScoredEvaluation(
                new EvaluationResult(method, split.source(), split.size(), metrics, seconds, cpu), scores, labels);
    }

    private List<float[]> scoreBatch(List<Path> files) {
        List<float[]> batchScores;
        try {
            batchScores = scorer.score(List.copyOf(files));
        } catch (IOException e) {
            throw new EvaluationException("scoring " + describe(files) + " failed: " + e.getMessage(), e);
        }
        if (batchScores == null || batchScores.size() != files.size()) {
            throw new EvaluationException(
                    "scorer returned " + (batchScores == null ? "null" : batchScores.size() + " score vectors")
                            + " for " + files.size() + " images (" + describe(files) + ")");
        }
        return batchScores;
    }

    /** CPU time of the whole process (every thread, libtorch's included), or NaN where the JVM cannot tell. */
    private static double processCpuSeconds() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os) {
            long nanos = os.getProcessCpuTime();
            return nanos < 0 ? Double.NaN : nanos / 1e9;
        }
        return Double.NaN;
    }

    private static String describe(List<Path> files) {
        return files.size() == 1 ? files.get(0).toString() : files.get(0) + " .. " + files.get(files.size() - 1);
    }
}
