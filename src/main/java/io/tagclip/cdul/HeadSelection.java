package io.tagclip.cdul;

import ai.djl.ndarray.NDManager;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Online CDUL's accept/reject rule: a candidate head is fitted by {@link CdulTrainer} on the samples outside a fixed
 * acceptance split, and replaces the incumbent only if its mean per-class KL divergence from the teacher's labels
 * on that split is lower than the incumbent's by more than a margin.
 *
 * <p>The acceptance split is chosen by a hash of the image id, not at random: the same image is on the same side in
 * every retrain, so no head trained here has seen the images it is judged on, and the incumbent, when it was also
 * trained here, is judged on images it did not see either. Without an incumbent the candidate must beat the constant
 * predictor that answers every image with the training labels' per-class mean (a head that learned nothing from the
 * features is not installed).
 */
public final class HeadSelection {

    /** Buckets of the id hash; the acceptance split takes the first {@code fraction · BUCKETS}. */
    private static final int BUCKETS = 10_000;

    private final TrainingOptions options;
    private final double acceptanceFraction;
    private final double margin;

    /**
     * @param options            how candidates are trained (their own early-stopping split is inside the training
     *                           side)
     * @param acceptanceFraction share of image ids in the acceptance split, in (0,1)
     * @param margin             how much lower (in KL per class) the candidate's loss must be; 0 accepts any gain
     */
    public HeadSelection(TrainingOptions options, double acceptanceFraction, double margin) {
        this.options = Objects.requireNonNull(options, "options");
        if (!(acceptanceFraction > 0 && acceptanceFraction < 1)) {
            throw new IllegalArgumentException("acceptance fraction must be in (0,1), got " + acceptanceFraction);
        }
        if (!(margin >= 0) || Double.isInfinite(margin)) {
            throw new IllegalArgumentException("margin must be a finite number >= 0, got " + margin);
        }
        this.acceptanceFraction = acceptanceFraction;
        this.margin = margin;
    }

    /**
     * The outcome of one retrain.
     *
     * @param candidate       the fitted head
     * @param fit             its training run
     * @param trainingCount   samples on the training side
     * @param acceptanceCount samples it was judged on
     * @param candidateLoss   its mean per-class KL on the acceptance split
     * @param incumbentLoss   the incumbent's (or the constant predictor's) on the same samples
     * @param accepted        whether the candidate replaces the incumbent
     */
    public record Decision(
            LinearHead candidate,
            CdulTrainer.Result fit,
            int trainingCount,
            int acceptanceCount,
            double candidateLoss,
            double incumbentLoss,
            boolean accepted) {}

    /** Whether the image {@code id} is in the acceptance split (stable across retrains and processes). */
    public boolean inAcceptanceSplit(String id) {
        return bucket(id) < acceptanceFraction * BUCKETS;
    }

    /**
     * Fits a candidate and judges it.
     *
     * @param ids       image id of every sample
     * @param features  {@code N×E} L2-normalised features
     * @param labels    {@code N×C} teacher labels in [0,1]
     * @param incumbent the head in service, or {@code null} when none is
     * @param manager   parent of the training's native memory
     * @throws IllegalArgumentException when either side of the split has too few samples (names the counts)
     */
    public Decision select(
            List<String> ids, float[][] features, float[][] labels, LinearHead incumbent, NDManager manager) {
        int n = ids.size();
        if (features.length != n || labels.length != n) {
            throw new IllegalArgumentException("need one feature and one label row per id, got " + n + " ids, "
                    + features.length + " feature rows and " + labels.length + " label rows");
        }
        List<float[]> trainFeatures = new ArrayList<>();
        List<float[]> trainLabels = new ArrayList<>();
        List<float[]> judgeFeatures = new ArrayList<>();
        List<float[]> judgeLabels = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean judge = inAcceptanceSplit(ids.get(i));
            (judge ? judgeFeatures : trainFeatures).add(features[i]);
            (judge ? judgeLabels : trainLabels).add(labels[i]);
        }
        if (judgeFeatures.isEmpty() || trainFeatures.size() < 2) {
            throw new IllegalArgumentException("a retrain needs at least 2 training and 1 acceptance samples, got "
                    + trainFeatures.size() + " and " + judgeFeatures.size() + " of " + n);
        }
        float[][] x = trainFeatures.toArray(float[][]::new);
        float[][] y = trainLabels.toArray(float[][]::new);
        float[][] judgeX = judgeFeatures.toArray(float[][]::new);
        float[][] judgeY = judgeLabels.toArray(float[][]::new);
        if (incumbent != null && (incumbent.dim() != x[0].length || incumbent.classes() != y[0].length)) {
            throw new IllegalArgumentException("the incumbent head is " + incumbent.classes() + "x" + incumbent.dim()
                    + ", the samples give " + y[0].length + " classes of " + x[0].length + " features");
        }
        CdulTrainer.Result fit = new CdulTrainer(options).train(x, y, manager);
        double candidateLoss = meanKl(fit.head(), judgeX, judgeY);
        double incumbentLoss = incumbent != null ? meanKl(incumbent, judgeX, judgeY) : priorKl(y, judgeY);
        boolean accepted = candidateLoss < incumbentLoss - margin;
        return new Decision(fit.head(), fit, x.length, judgeX.length, candidateLoss, incumbentLoss, accepted);
    }

    /** Mean per-class KL(y ‖ σ(W·x + b)) of {@code head} over the rows, with labels clamped as in training. */
    static double meanKl(LinearHead head, float[][] features, float[][] labels) {
        float[] w = head.weight();
        float[] b = head.bias();
        int dim = head.dim();
        double sum = 0;
        for (int i = 0; i < features.length; i++) {
            for (int c = 0; c < head.classes(); c++) {
                double z = b[c];
                for (int e = 0; e < dim; e++) {
                    z += w[c * dim + e] * features[i][e];
                }
                sum += CdulTrainer.bernoulliKl(clamp(labels[i][c]), z);
            }
        }
        return sum / ((double) features.length * head.classes());
    }

    /** Mean per-class KL of the constant predictor: every class at its mean training label. */
    static double priorKl(float[][] trainLabels, float[][] labels) {
        int classes = trainLabels[0].length;
        double[] logitOfMean = new double[classes];
        for (int c = 0; c < classes; c++) {
            double mean = 0;
            for (float[] row : trainLabels) {
                mean += clamp(row[c]);
            }
            mean /= trainLabels.length;
            logitOfMean[c] = Math.log(mean / (1 - mean));
        }
        double sum = 0;
        for (float[] row : labels) {
            for (int c = 0; c < classes; c++) {
                sum += CdulTrainer.bernoulliKl(clamp(row[c]), logitOfMean[c]);
            }
        }
        return sum / ((double) labels.length * classes);
    }

    private static double clamp(float y) {
        return Math.min(1 - CdulTrainer.LABEL_EPSILON, Math.max(CdulTrainer.LABEL_EPSILON, y));
    }

    /** A bucket in [0, BUCKETS) from the id's UTF-8 bytes (FNV-1a, so it does not depend on the JVM). */
    private static int bucket(String id) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= 0x100000001b3L;
        }
        return (int) Long.remainderUnsigned(hash, BUCKETS);
    }
}
