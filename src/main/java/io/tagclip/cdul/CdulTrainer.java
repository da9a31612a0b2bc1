package io.tagclip.cdul;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * CDUL's training stage (Abdelfattah et al., ICCV 2023, sec. 3.2) on frozen features: a {@link LinearHead} is fitted
 * to latent pseudo labels, and after every gradient step on the head the latent labels of the batch are moved by
 * gradient alignment (eq. 7), {@code u ← u − η·ψ(y)·∂ℓ/∂y} with {@code y = σ(u)} and
 * {@code ψ(y) = exp(-½((y-½)/σ)²)}, so the labels the teacher was unsure of follow the head most.
 *
 * <p>The loss ℓ is the Bernoulli KL divergence {@code KL(y ‖ σ(z))} summed over classes, z the head's logits. Its
 * gradient in the head's parameters is that of binary cross-entropy with soft targets (the entropy of y is constant
 * in them), so the head's step differentiates BCE through DJL's autograd; its gradient in the label is
 * {@code ∂ℓ/∂y = logit(y) − z}, exact and cheap, computed directly. A tenth (by default) of the samples is held out
 * with its teacher labels fixed; the epoch with the lowest held-out KL gives the returned head, and training stops
 * after {@link TrainingOptions#patience()} epochs without a better one.
 *
 * <p>Every random choice (split, initial weights, batch order) comes from one {@link Random} seeded by the options,
 * and the engine draws nothing at random, so a run is reproducible on one machine.
 */
public final class CdulTrainer {

    /** Pseudo labels are kept in [ε, 1-ε] so their logit stays finite. */
    static final float LABEL_EPSILON = 1e-4f;

    /** Standard deviation of the initial weights (small: unit-length inputs, logits start near 0). */
    private static final double INIT_STD = 0.01;

    private final TrainingOptions options;

    public CdulTrainer(TrainingOptions options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * The outcome of a fit.
     *
     * @param head            the head of the best held-out epoch
     * @param labels          the refined pseudo labels of every sample, input order (held-out rows unchanged)
     * @param heldOut         which samples were held out
     * @param epochs          epochs run
     * @param bestEpoch       the epoch (1-based) whose head is returned
     * @param heldOutLoss     its mean held-out KL per class
     * @param meanLabelChange mean |refined − initial| over the training rows' labels
     */
    public record Result(
            LinearHead head,
            float[][] labels,
            boolean[] heldOut,
            int epochs,
            int bestEpoch,
            double heldOutLoss,
            double meanLabelChange) {

        /** Number of samples the head was fitted on. */
        public int trainingCount() {
            int n = 0;
            for (boolean h : heldOut) {
                n += h ? 0 : 1;
            }
            return n;
        }
    }

    /**
     * Fits a head.
     *
     * @param features {@code N×E} L2-normalised features
     * @param pseudo   {@code N×C} initial pseudo labels in [0,1] (the teacher's)
     * @param manager  parent of the training's native memory (closed before this returns)
     */
    public Result train(float[][] features, float[][] pseudo, NDManager manager) {
        int n = features.length;
        if (n < 1 || pseudo.length != n) {
            throw new IllegalArgumentException(
                    "need as many label rows as feature rows (at least one), got " + n + " and " + pseudo.length);
        }
        int dim = features[0].length;
        int classes = pseudo[0].length;
        float[] x = flatten(features, dim, "feature");
        float[] initial = flatten(pseudo, classes, "label");
        for (int i = 0; i < initial.length; i++) {
            if (!(initial[i] >= 0 && initial[i] <= 1)) {
                throw new IllegalArgumentException(
                        "pseudo label " + initial[i] + " of sample " + (i / classes) + " is not in [0,1]");
            }
            initial[i] = Math.min(1 - LABEL_EPSILON, Math.max(LABEL_EPSILON, initial[i]));
        }
        float[] labels = initial.clone();
        float[] latent = new float[initial.length];
        for (int i = 0; i < latent.length; i++) {
            latent[i] = logit(initial[i]);
        }
        Random random = new Random(options.seed());
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, random);
        int heldCount = n < 2 ? 0 : (int) Math.round(n * options.heldOutFraction());
        boolean[] heldOut = new boolean[n];
        List<Integer> held = new ArrayList<>(order.subList(0, heldCount));
        List<Integer> train = new ArrayList<>(order.subList(heldCount, n));
        held.forEach(i -> heldOut[i] = true);
        float[] w0 = new float[classes * dim];
        for (int i = 0; i < w0.length; i++) {
            w0[i] = (float) (random.nextGaussian() * INIT_STD);
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray weight = scope.create(w0, new Shape(classes, dim)); // [C,E]
            NDArray bias = scope.zeros(new Shape(classes)); // [C]
            weight.setRequiresGradient(true);
            bias.setRequiresGradient(true);
            Optimizer adam = Optimizer.adam()
                    .optLearningRateTracker(Tracker.fixed(options.learningRate()))
                    .optWeightDecays(options.weightDecay())
                    .build();
            LinearHead best = snapshot(weight, bias, classes, dim);
            double bestLoss = Double.POSITIVE_INFINITY;
            int bestEpoch = 0;
            int epoch = 0;
            int stale = 0;
            while (epoch < options.maxEpochs() && stale < options.patience()) {
                epoch++;
                Collections.shuffle(train, random);
                boolean align = options.alignment() && epoch > options.warmUpEpochs();
                for (int from = 0; from < train.size(); from += options.batchSize()) {
                    List<Integer> batch = train.subList(from, Math.min(train.size(), from + options.batchSize()));
                    step(scope, adam, weight, bias, x, labels, latent, batch, dim, classes, align);
                }
                double loss = held.isEmpty()
                        ? meanKl(scope, weight, bias, x, labels, train, dim, classes)
                        : meanKl(scope, weight, bias, x, initial, held, dim, classes);
                if (loss < bestLoss) {
                    bestLoss = loss;
                    bestEpoch = epoch;
                    best = snapshot(weight, bias, classes, dim);
                    stale = 0;
                } else {
                    stale++;
                }
            }
            float[][] refined = new float[n][classes];
            double change = 0;
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < classes; c++) {
                    int k = i * classes + c;
                    refined[i][c] = labels[k];
                    change += heldOut[i] ? 0 : Math.abs(refined[i][c] - initial[k]);
                }
            }
            double meanChange = train.isEmpty() ? 0 : change / ((double) train.size() * classes);
            return new Result(best, refined, heldOut, epoch, bestEpoch, bestLoss, meanChange);
        }
    }

    /** One Adam step of the head on {@code batch}, then (when {@code align}) eq. 7 on the batch's latent labels. */
    private void step(
            NDManager parent,
            Optimizer adam,
            NDArray weight,
            NDArray bias,
            float[] x,
            float[] labels,
            float[] latent,
            List<Integer> batch,
            int dim,
            int classes,
            boolean align) {
        float[] targets = new float[batch.size() * classes];
        for (int j = 0; j < batch.size(); j++) {
            for (int c = 0; c < classes; c++) {
                targets[j * classes + c] = labels[batch.get(j) * classes + c];
            }
        }
        float[] logits;
        try (NDManager scope = parent.newSubManager()) {
            NDArray input = scope.create(rows(x, batch, dim), new Shape(batch.size(), dim)); // [B,E]
            NDArray y = scope.create(targets, new Shape(batch.size(), classes)); // [B,C]
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray z = input.matMul(weight.transpose()).add(bias); // [B,E]x[E,C] -> [B,C]
                NDArray loss = bce(z, y).sum().div(batch.size()); // [B,C] -> scalar, per sample
                collector.backward(loss);
                logits = z.toFloatArray();
            }
            update(adam, "weight", weight);
            update(adam, "bias", bias);
        }
        if (align) {
            float eta = options.alignmentStep();
            float twoSigmaSquared = 2 * options.alignmentSigma() * options.alignmentSigma();
            for (int j = 0; j < batch.size(); j++) {
                for (int c = 0; c < classes; c++) {
                    int k = batch.get(j) * classes + c;
                    float y = labels[k];
                    float psi = (float) Math.exp(-(y - 0.5f) * (y - 0.5f) / twoSigmaSquared);
                    float gradient = latent[k] - logits[j * classes + c]; // ∂KL(y‖σ(z))/∂y = logit(y) − z
                    latent[k] = clampLogit(latent[k] - eta * psi * gradient);
                    labels[k] = sigmoid(latent[k]);
                }
            }
        }
    }

    /**
     * One optimiser step of {@code parameter}, then its gradient set to zero: libtorch adds every backward pass to
     * the gradient, and DJL's collector does not clear it between passes.
     */
    private static void update(Optimizer optimizer, String name, NDArray parameter) {
        try (NDArray gradient = parameter.getGradient()) {
            optimizer.update(name, parameter, gradient);
            gradient.subi(gradient);
        }
    }

    /** Element-wise binary cross-entropy of logits {@code z} against soft targets {@code y}, stable for any z. */
    private static NDArray bce(NDArray z, NDArray y) {
        // max(z,0) − z·y + log(1 + exp(−|z|))
        return z.maximum(0).sub(z.mul(y)).add(z.abs().neg().exp().add(1).log()); // [B,C]
    }

    /** Mean per-class KL(y ‖ σ(z)) of the rows {@code rows} with labels {@code labels}. */
    private static double meanKl(
            NDManager parent,
            NDArray weight,
            NDArray bias,
            float[] x,
            float[] labels,
            List<Integer> rows,
            int dim,
            int classes) {
        float[] z;
        try (NDManager scope = parent.newSubManager()) {
            NDArray input = scope.create(rows(x, rows, dim), new Shape(rows.size(), dim)); // [R,E]
            z = input.matMul(weight.stopGradient().transpose())
                    .add(bias.stopGradient())
                    .toFloatArray(); // [R,C]
        }
        double sum = 0;
        for (int j = 0; j < rows.size(); j++) {
            for (int c = 0; c < classes; c++) {
                sum += bernoulliKl(labels[rows.get(j) * classes + c], z[j * classes + c]);
            }
        }
        return sum / ((double) rows.size() * classes);
    }

    /** KL(y ‖ σ(z)) of one Bernoulli label, computed from the logit for stability. */
    static double bernoulliKl(double y, double z) {
        double logP = -softplus(-z);
        double log1mP = -softplus(z);
        double entropyTerm = (y > 0 ? y * Math.log(y) : 0) + (y < 1 ? (1 - y) * Math.log(1 - y) : 0);
        return entropyTerm - y * logP - (1 - y) * log1mP;
    }

    private static double softplus(double v) {
        return Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    }

    private static LinearHead snapshot(NDArray weight, NDArray bias, int classes, int dim) {
        return new LinearHead(classes, dim, weight.toFloatArray(), bias.toFloatArray());
    }

    private static float[] rows(float[] flat, List<Integer> rows, int width) {
        float[] out = new float[rows.size() * width];
        for (int j = 0; j < rows.size(); j++) {
            System.arraycopy(flat, rows.get(j) * width, out, j * width, width);
        }
        return out;
    }

    private static float[] flatten(float[][] matrix, int width, String what) {
        float[] flat = new float[matrix.length * width];
        for (int i = 0; i < matrix.length; i++) {
            if (matrix[i].length != width) {
                throw new IllegalArgumentException(
                        what + " row " + i + " has " + matrix[i].length + " values, expected " + width);
            }
            System.arraycopy(matrix[i], 0, flat, i * width, width);
        }
        return flat;
    }

    static float sigmoid(float v) {
        return (float) (1 / (1 + Math.exp(-v)));
    }

    static float logit(float y) {
        return (float) Math.log(y / (1 - y));
    }

    private static float clampLogit(float u) {
        float bound = logit(1 - LABEL_EPSILON);
        return Math.max(-bound, Math.min(bound, u));
    }
}
