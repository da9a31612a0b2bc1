package io.tagclip.cdul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import io.tagclip.eval.MultiLabelMetrics;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CDUL's training on a synthetic problem with known truth: every class has a direction in feature space, an image's
 * feature is the normalised sum of its classes' directions plus noise, and the teacher's pseudo labels are the truth
 * with known noise (soft scores, a share of them flipped). The head and the refined labels are measured against the
 * truth.
 */
class CdulTrainerTest {

    /** Feature width E: small, so the whole class runs in seconds. */
    private static final int DIM = 64;

    /** Classes C. */
    private static final int CLASSES = 10;

    /** Training images. */
    private static final int SAMPLES = 1500;

    /** Clean test images for the head's mAP. */
    private static final int TEST_SAMPLES = 500;

    /** Probability that a class is present in an image. */
    private static final double PRESENCE = 0.2;

    /** Standard deviation of the feature noise, per coordinate, before normalising. */
    private static final double FEATURE_NOISE = 0.15;

    /** Share of the teacher's labels that are flipped. */
    private static final double FLIP = 0.2;

    /** How far apart the two heads' test mAP may be (they measured 0.9921 and 0.9923). */
    private static final double HEAD_MAP_MARGIN = 0.002;

    private static NDManager manager;
    private static Problem train;
    private static Problem test;
    private static float[][] noisy;

    /** Features and their true labels. */
    record Problem(float[][] features, boolean[][] truth) {}

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
        Random random = new Random(7);
        double[][] directions = new double[CLASSES][DIM];
        for (double[] d : directions) {
            for (int e = 0; e < DIM; e++) {
                d[e] = random.nextGaussian();
            }
        }
        train = problem(SAMPLES, directions, random);
        test = problem(TEST_SAMPLES, directions, random);
        noisy = new float[SAMPLES][CLASSES];
        for (int i = 0; i < SAMPLES; i++) {
            for (int c = 0; c < CLASSES; c++) {
                boolean label = train.truth()[i][c] ^ (random.nextDouble() < FLIP);
                // soft teacher scores: confident-ish but never exactly 0 or 1
                noisy[i][c] = (float) (label ? 0.6 + 0.3 * random.nextDouble() : 0.1 + 0.3 * random.nextDouble());
            }
        }
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    private static Problem problem(int n, double[][] directions, Random random) {
        float[][] features = new float[n][DIM];
        boolean[][] truth = new boolean[n][CLASSES];
        for (int i = 0; i < n; i++) {
            double[] f = new double[DIM];
            boolean any = false;
            for (int c = 0; c < CLASSES; c++) {
                truth[i][c] = random.nextDouble() < PRESENCE;
                any |= truth[i][c];
            }
            if (!any) {
                truth[i][random.nextInt(CLASSES)] = true;
            }
            for (int c = 0; c < CLASSES; c++) {
                if (truth[i][c]) {
                    for (int e = 0; e < DIM; e++) {
                        f[e] += directions[c][e];
                    }
                }
            }
            double norm = 0;
            for (int e = 0; e < DIM; e++) {
                f[e] += random.nextGaussian() * FEATURE_NOISE * Math.sqrt(DIM);
                norm += f[e] * f[e];
            }
            for (int e = 0; e < DIM; e++) {
                features[i][e] = (float) (f[e] / Math.sqrt(norm));
            }
        }
        return new Problem(features, truth);
    }

    private static double labelF1(float[][] labels, boolean[][] truth) {
        long tp = 0;
        long fp = 0;
        long fn = 0;
        for (int i = 0; i < labels.length; i++) {
            for (int c = 0; c < CLASSES; c++) {
                boolean predicted = labels[i][c] >= 0.5f;
                tp += predicted && truth[i][c] ? 1 : 0;
                fp += predicted && !truth[i][c] ? 1 : 0;
                fn += !predicted && truth[i][c] ? 1 : 0;
            }
        }
        return 2.0 * tp / (2.0 * tp + fp + fn);
    }

    private static double headMap(LinearHead head, Problem problem) {
        float[][] scores = new float[problem.features().length][];
        try (NDManager scope = manager.newSubManager()) {
            for (int i = 0; i < scores.length; i++) {
                scores[i] = head.probabilities(
                                scope.create(problem.features()[i]).reshape(1, DIM))
                        .toFloatArray();
            }
        }
        return map(scores, problem.truth());
    }

    private static double map(float[][] scores, boolean[][] truth) {
        return MultiLabelMetrics.compute(scores, truth, MultiLabelMetrics.DEFAULT_RELATIVE_THRESHOLD)
                .map();
    }

    @Test
    void gradientAlignmentCleansTheLabelsWhilePlainTrainingDoesNot() {
        CdulTrainer.Result aligned = new CdulTrainer(TrainingOptions.DEFAULTS).train(train.features(), noisy, manager);
        CdulTrainer.Result plain =
                new CdulTrainer(TrainingOptions.DEFAULTS.withAlignment(false)).train(train.features(), noisy, manager);

        double noisyF1 = labelF1(noisy, train.truth());
        double refinedF1 = labelF1(aligned.labels(), train.truth());
        double noisyMap = map(noisy, train.truth());
        double alignedMap = headMap(aligned.head(), test);
        double plainMap = headMap(plain.head(), test);
        System.out.printf(
                "noisy F1 %.4f refined F1 %.4f | noisy mAP %.4f aligned head mAP %.4f plain head mAP %.4f | epochs %d/%d%n",
                noisyF1, refinedF1, noisyMap, alignedMap, plainMap, aligned.epochs(), plain.epochs());

        assertThat(refinedF1)
                .as("refined pseudo labels' F1 vs the noisy labels'")
                .isGreaterThan(noisyF1 + 0.1);
        assertThat(alignedMap)
                .as("aligned head's test mAP vs the noisy labels' mAP")
                .isGreaterThan(noisyMap + 0.3);
        // Negative control. Plain training leaves the labels as noisy as they came...
        assertThat(plain.labels())
                .as("plain training leaves the labels as they were")
                .isDeepEqualTo(clamped(noisy));
        // ...but its head is as good: with label noise independent of the features, a linear head already averages
        // the noise out, so the refinement cleans the labels without improving the head (see README, CDUL).
        assertThat(plainMap)
                .as("plain head's test mAP vs the noisy labels' mAP")
                .isGreaterThan(noisyMap + 0.3);
        assertThat(alignedMap)
                .as("aligned head's test mAP vs plain training's: equal within %s", HEAD_MAP_MARGIN)
                .isCloseTo(plainMap, within(HEAD_MAP_MARGIN));
    }

    private static float[][] clamped(float[][] labels) {
        float[][] out = new float[labels.length][];
        for (int i = 0; i < labels.length; i++) {
            out[i] = labels[i].clone();
            for (int c = 0; c < out[i].length; c++) {
                out[i][c] = Math.min(1 - CdulTrainer.LABEL_EPSILON, Math.max(CdulTrainer.LABEL_EPSILON, out[i][c]));
            }
        }
        return out;
    }

    @Test
    void aFixedSeedGivesTheSameHeadAndAnotherSeedAnotherOne() {
        TrainingOptions options = TrainingOptions.DEFAULTS.withMaxEpochs(8);
        CdulTrainer.Result first = new CdulTrainer(options).train(train.features(), noisy, manager);
        CdulTrainer.Result second = new CdulTrainer(options).train(train.features(), noisy, manager);
        CdulTrainer.Result other = new CdulTrainer(options.withSeed(43)).train(train.features(), noisy, manager);
        assertThat(second.head().weight()).isEqualTo(first.head().weight());
        assertThat(second.head().bias()).isEqualTo(first.head().bias());
        assertThat(second.labels()).isDeepEqualTo(first.labels());
        assertThat(other.head().weight()).isNotEqualTo(first.head().weight());
    }

    @Test
    void aSavedHeadLoadsBackBitForBit(@TempDir Path dir) {
        CdulTrainer.Result result =
                new CdulTrainer(TrainingOptions.DEFAULTS.withMaxEpochs(2)).train(train.features(), noisy, manager);
        Path file = dir.resolve(LinearHead.WEIGHTS_FILE);
        result.head().save(file);
        LinearHead loaded = LinearHead.load(file);
        assertThat(loaded.classes()).isEqualTo(CLASSES);
        assertThat(loaded.dim()).isEqualTo(DIM);
        assertThat(loaded.weight()).isEqualTo(result.head().weight());
        assertThat(loaded.bias()).isEqualTo(result.head().bias());
    }
}
