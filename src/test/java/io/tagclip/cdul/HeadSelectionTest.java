package io.tagclip.cdul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The accept/reject rule of online retraining on a synthetic problem (class directions in feature space, soft teacher
 * labels with 10 % of them flipped): a better candidate is accepted, a worse or equal one never is.
 */
class HeadSelectionTest {

    private static final int DIM = 32;
    private static final int CLASSES = 6;
    /** Share of ids in the acceptance split. */
    private static final double FRACTION = 0.2;
    /** Few epochs keep the test fast; early stopping ends most fits sooner anyway. */
    private static final TrainingOptions OPTIONS = TrainingOptions.DEFAULTS.withMaxEpochs(60);

    private static NDManager manager;
    private static double[][] directions;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
        Random random = new Random(11);
        directions = new double[CLASSES][DIM];
        for (double[] d : directions) {
            for (int e = 0; e < DIM; e++) {
                d[e] = random.nextGaussian();
            }
        }
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    /** n samples of the problem, ids "{prefix}-{i}". */
    private record Samples(List<String> ids, float[][] features, float[][] labels) {}

    private static Samples samples(String prefix, int n, long seed) {
        Random random = new Random(seed);
        List<String> ids = new ArrayList<>();
        float[][] features = new float[n][DIM];
        float[][] labels = new float[n][CLASSES];
        for (int i = 0; i < n; i++) {
            ids.add(prefix + "-" + i);
            double[] f = new double[DIM];
            for (int c = 0; c < CLASSES; c++) {
                boolean present = random.nextDouble() < 0.3;
                if (present) {
                    for (int e = 0; e < DIM; e++) {
                        f[e] += directions[c][e];
                    }
                }
                boolean label = present ^ (random.nextDouble() < 0.1);
                labels[i][c] = (float) (label ? 0.7 + 0.25 * random.nextDouble() : 0.05 + 0.25 * random.nextDouble());
            }
            double norm = 0;
            for (int e = 0; e < DIM; e++) {
                f[e] += random.nextGaussian() * 0.15 * Math.sqrt(DIM);
                norm += f[e] * f[e];
            }
            for (int e = 0; e < DIM; e++) {
                features[i][e] = (float) (f[e] / Math.sqrt(Math.max(norm, 1e-12)));
            }
        }
        return new Samples(ids, features, labels);
    }

    private static LinearHead randomHead(long seed) {
        Random random = new Random(seed);
        float[] w = new float[CLASSES * DIM];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian();
        }
        return new LinearHead(CLASSES, DIM, w, new float[CLASSES]);
    }

    @Test
    void acceptsACandidateThatBeatsARandomIncumbent() {
        Samples s = samples("a", 600, 1);
        HeadSelection.Decision d = new HeadSelection(OPTIONS, FRACTION, 0)
                .select(s.ids(), s.features(), s.labels(), randomHead(5), manager);

        assertThat(d.accepted()).isTrue();
        assertThat(d.candidateLoss()).isLessThan(d.incumbentLoss());
        assertThat(d.trainingCount() + d.acceptanceCount()).isEqualTo(600);
        // 600 ids at 0.2: 120 expected, binomial sd ~9.8; 60..180 is more than 6 sd either side
        assertThat(d.acceptanceCount()).isBetween(60, 180);
    }

    @Test
    void neverInstallsAHeadThatIsWorseOnTheAcceptanceSplit() {
        // the incumbent learned from 3,000 samples; the candidate sees a window of 40 (about 32 to train on)
        Samples big = samples("big", 3000, 2);
        LinearHead incumbent = new CdulTrainer(OPTIONS)
                .train(big.features(), big.labels(), manager)
                .head();
        Samples small = samples("small", 40, 3);
        HeadSelection.Decision d = new HeadSelection(OPTIONS, FRACTION, 0)
                .select(small.ids(), small.features(), small.labels(), incumbent, manager);

        assertThat(d.candidateLoss())
                .as("a head fitted on ~32 samples is worse than one fitted on 3,000")
                .isGreaterThan(d.incumbentLoss());
        assertThat(d.accepted()).isFalse();
    }

    @Test
    void doesNotReplaceAHeadByTheSameHeadRetrainedOnTheSameSamples() {
        Samples s = samples("same", 400, 4);
        HeadSelection selection = new HeadSelection(OPTIONS, FRACTION, 0);
        HeadSelection.Decision first = selection.select(s.ids(), s.features(), s.labels(), null, manager);
        assertThat(first.accepted())
                .as(
                        "the first head beats the constant predictor (%s vs %s)",
                        first.candidateLoss(), first.incumbentLoss())
                .isTrue();

        HeadSelection.Decision again = selection.select(s.ids(), s.features(), s.labels(), first.candidate(), manager);

        assertThat(again.candidateLoss()).isEqualTo(again.incumbentLoss()); // same seed, same samples: same head
        assertThat(again.accepted()).as("an equal head is not a better one").isFalse();
    }

    @Test
    void aMarginRefusesACandidateWhoseGainIsSmallerThanIt() {
        Samples s = samples("m", 400, 6);
        HeadSelection.Decision plain =
                new HeadSelection(OPTIONS, FRACTION, 0).select(s.ids(), s.features(), s.labels(), null, manager);
        double gain = plain.incumbentLoss() - plain.candidateLoss();
        assertThat(gain).isPositive();

        HeadSelection.Decision strict = new HeadSelection(OPTIONS, FRACTION, gain * 1.01)
                .select(s.ids(), s.features(), s.labels(), null, manager);

        assertThat(strict.candidateLoss()).isEqualTo(plain.candidateLoss());
        assertThat(strict.accepted()).isFalse();
    }

    @Test
    void theAcceptanceSplitIsAStableFunctionOfTheIdNearItsFraction() {
        HeadSelection one = new HeadSelection(OPTIONS, FRACTION, 0);
        HeadSelection other = new HeadSelection(OPTIONS.withSeed(99), FRACTION, 0);
        int in = 0;
        for (int i = 0; i < 10_000; i++) {
            String id = "image-" + i;
            assertThat(one.inAcceptanceSplit(id)).isEqualTo(other.inAcceptanceSplit(id));
            in += one.inAcceptanceSplit(id) ? 1 : 0;
        }
        // binomial sd at n = 10,000, p = 0.2 is 0.004: 0.02 is 5 sd
        assertThat(in / 10_000.0).isCloseTo(FRACTION, within(0.02));
    }

    @Test
    void refusesASplitWithoutEnoughSamplesNamingTheCounts() {
        Samples s = samples("few", 1, 7);
        assertThatThrownBy(() -> new HeadSelection(OPTIONS, FRACTION, 0)
                        .select(s.ids(), s.features(), s.labels(), null, manager))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 2 training and 1 acceptance samples");
        assertThatThrownBy(() -> new HeadSelection(OPTIONS, 1.5, 0))
                .hasMessageContaining("acceptance fraction must be in (0,1), got 1.5");
    }
}
