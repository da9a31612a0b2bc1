package io.tagclip.cdul;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How {@link CdulTrainer} fits a head.
 *
 * @param seed             seeds the held-out split, the initial weights and the batch order
 * @param maxEpochs        upper bound on passes over the training split
 * @param batchSize        samples per gradient step
 * @param learningRate     Adam's step size
 * @param weightDecay      L2 weight decay of Adam
 * @param heldOutFraction  share of the samples held out for early stopping (their pseudo labels stay fixed)
 * @param patience         epochs without a better held-out loss before training stops
 * @param alignment        whether the latent pseudo labels are refined by gradient alignment (CDUL eq. 7); off
 *                         trains on the teacher's labels as they are
 * @param alignmentStep    η: the latent label moves by {@code η·ψ(y)·∂ℓ/∂y} per visit
 * @param alignmentSigma   σ of ψ(y) = exp(-½((y-½)/σ)²): uncertain labels (near ½) move most
 * @param warmUpEpochs     epochs of plain training before the labels start moving
 */
public record TrainingOptions(
        long seed,
        int maxEpochs,
        int batchSize,
        float learningRate,
        float weightDecay,
        double heldOutFraction,
        int patience,
        boolean alignment,
        float alignmentStep,
        float alignmentSigma,
        int warmUpEpochs) {

    /**
     * Defaults for a linear head on L2-normalised 512-wide features: the logits of unit vectors are small, so
     * Adam's step is 0.01 rather than the usual 0.001; a tenth of the data is held out; labels move by at most a
     * fifth of the way to the head's logit per epoch, after five epochs of warm-up.
     */
    public static final TrainingOptions DEFAULTS =
            new TrainingOptions(42L, 200, 64, 0.01f, 1e-4f, 0.1, 10, true, 0.2f, 0.25f, 5);

    public TrainingOptions {
        if (maxEpochs < 1) {
            throw new IllegalArgumentException("max epochs must be at least 1, got " + maxEpochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be positive, got " + learningRate);
        }
        if (!(weightDecay >= 0) || !Float.isFinite(weightDecay)) {
            throw new IllegalArgumentException("weight decay must be non-negative, got " + weightDecay);
        }
        if (!(heldOutFraction >= 0 && heldOutFraction < 1)) {
            throw new IllegalArgumentException("held-out fraction must be in [0,1), got " + heldOutFraction);
        }
        if (patience < 1) {
            throw new IllegalArgumentException("patience must be at least 1, got " + patience);
        }
        if (!(alignmentStep > 0 && alignmentStep <= 1)) {
            throw new IllegalArgumentException("alignment step must be in (0,1], got " + alignmentStep);
        }
        if (!(alignmentSigma > 0) || !Float.isFinite(alignmentSigma)) {
            throw new IllegalArgumentException("alignment sigma must be positive, got " + alignmentSigma);
        }
        if (warmUpEpochs < 0) {
            throw new IllegalArgumentException("warm-up epochs must be non-negative, got " + warmUpEpochs);
        }
    }

    /** These options with another seed. */
    public TrainingOptions withSeed(long value) {
        return new TrainingOptions(
                value,
                maxEpochs,
                batchSize,
                learningRate,
                weightDecay,
                heldOutFraction,
                patience,
                alignment,
                alignmentStep,
                alignmentSigma,
                warmUpEpochs);
    }

    /** These options with the alignment on or off. */
    public TrainingOptions withAlignment(boolean value) {
        return new TrainingOptions(
                seed,
                maxEpochs,
                batchSize,
                learningRate,
                weightDecay,
                heldOutFraction,
                patience,
                value,
                alignmentStep,
                alignmentSigma,
                warmUpEpochs);
    }

    /** These options with another epoch bound. */
    public TrainingOptions withMaxEpochs(int value) {
        return new TrainingOptions(
                seed,
                value,
                batchSize,
                learningRate,
                weightDecay,
                heldOutFraction,
                patience,
                alignment,
                alignmentStep,
                alignmentSigma,
                warmUpEpochs);
    }

    /** The options by name, for the manifest. */
    public Map<String, Object> asMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("maxEpochs", maxEpochs);
        map.put("batchSize", batchSize);
        map.put("learningRate", learningRate);
        map.put("weightDecay", weightDecay);
        map.put("heldOutFraction", heldOutFraction);
        map.put("patience", patience);
        map.put("alignment", alignment);
        map.put("alignmentStep", alignmentStep);
        map.put("alignmentSigma", alignmentSigma);
        map.put("warmUpEpochs", warmUpEpochs);
        return map;
    }
}
