package io.tagclip.tagclip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.tagclip.preprocess.ClipImage;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * TagCLIP's reference mode for one image, step by step as classify.py runs it: first pass at the image's own size,
 * {@link PatchClassifier coarse classification}, {@link AttentionRefiner DMAR},
 * {@link ClassWiseReidentifier CWR} with one crop forward at a time, and the final scores of the dataset classes.
 */
public final class TagClipTagger {

    private final TagClipBackbone backbone;
    private final TagClipParams params;

    public TagClipTagger(TagClipBackbone backbone, TagClipParams params) {
        this.backbone = Objects.requireNonNull(backbone, "backbone");
        this.params = Objects.requireNonNull(params, "params");
    }

    public TagClipParams params() {
        return params;
    }

    /**
     * Scores one preprocessed image.
     *
     * @param image      output of {@link io.tagclip.preprocess.ClipTransform#reference}
     * @param text       normalised text features of all K classes {@code [K,E]}, dataset classes first
     * @param numClasses C, the dataset classes; the remaining K - C are background classes
     * @param trace      keep the full maps in the result (costs N·K floats per map)
     * @param manager    scope of every array this call creates
     * @return the final scores of the C dataset classes and the intermediate results
     */
    public TagClipOutput score(ClipImage image, NDArray text, int numClasses, boolean trace, NDManager manager) {
        int p = params.patchSize();
        if (image.width() % p != 0 || image.height() % p != 0) {
            throw new IllegalArgumentException("image " + image.width() + "x" + image.height()
                    + " is not a multiple of the patch size " + p);
        }
        int k = (int) text.getShape().get(0);
        if (numClasses <= 0 || numClasses > k) {
            throw new IllegalArgumentException("numClasses must be in [1," + k + "], got " + numClasses);
        }
        int gridH = image.height() / p;
        int gridW = image.width() / p;
        float scale = backbone.logitScale();

        NDArray pixels = image.toNDArray(manager).expandDims(0); // [3,H,W] -> [1,3,H,W]
        TagClipBackbone.Vision vision = backbone.encodeTagClip(pixels);
        NDArray tokens = vision.tokens().get(0); // [1,1+N,E] -> [1+N,E]
        NDArray attentions = vision.attentions().get(":, 0"); // [L,1,1+N,1+N] -> [L,1+N,1+N]

        NDArray coarse = PatchClassifier.classify(tokens, text, scale); // [N,K]
        NDArray weights = AttentionRefiner.weights(attentions, params); // [N,N]
        AttentionRefiner.Refinement refinement = AttentionRefiner.refine(weights, coarse, gridH, gridW, params);
        float[] refined = refinement.refined().toFloatArray();
        float[] local = localScores(refined, k, numClasses);

        ClassWiseReidentifier.Plan plan = ClassWiseReidentifier.plan(refined, k, local, gridH, gridW, params);
        float[] probabilities = new float[plan.crops().size() * k];
        for (int b = 0; b < plan.crops().size(); b++) {
            // Reference mode: one crop per forward, as the reference runs them.
            List<ClassWiseReidentifier.Crop> one = plan.crops().subList(b, b + 1);
            try (NDManager cropScope = manager.newSubManager()) {
                NDArray crop = ClassWiseReidentifier.cropPixels(image, one, params, cropScope); // [1,3,S,S]
                NDArray rowMask = ClassWiseReidentifier.classRowMasks(one, params, cropScope); // [1,1+G*G]
                NDArray classToken = backbone.encodeClassMasked(crop, rowMask); // [1,E]
                float[] probs = ClassWiseReidentifier.cropProbabilities(classToken, text, scale);
                System.arraycopy(probs, 0, probabilities, b * k, k);
            }
        }
        float[] scores = ClassWiseReidentifier.fuse(local, plan.crops(), probabilities, k, params);
        long votes = -1;
        if (trace) {
            votes = AttentionRefiner.voteMask(attentions, params.voteMinLayers())
                    .toType(DataType.INT64, false).sum().getLong();
        }
        return new TagClipOutput(gridH, gridW,
                trace ? coarse.toFloatArray() : null,
                trace ? refinement.attentionRefined().toFloatArray() : null,
                trace ? refined : null,
                votes,
                refinement.classes(), local, plan, probabilities, scores);
    }

    /** {@code max over patches} of the first {@code numClasses} columns of an {@code [N,K]} map. */
    static float[] localScores(float[] map, int k, int numClasses) {
        float[] max = new float[numClasses];
        Arrays.fill(max, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < map.length / k; i++) {
            for (int c = 0; c < numClasses; c++) {
                max[c] = Math.max(max[c], map[i * k + c]);
            }
        }
        return max;
    }
}
