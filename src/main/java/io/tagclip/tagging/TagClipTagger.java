package io.tagclip.tagging;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.tagclip.preprocess.ClipImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Runs TagCLIP's steps for images: the first pass, {@link PatchClassifier coarse classification},
 * {@link AttentionRefiner DMAR}, {@link ClassWiseReidentifier CWR} and fusion.
 *
 * <p>{@link #score} is the reference mode for one image, step by step as classify.py runs it (one crop per forward).
 * {@link #firstPass} and {@link #cropProbabilities} are the same steps for several images at once: first passes of
 * same-size images share one forward, and crops of any images share forwards. Every image's decisions depend only on
 * its own tensors, so batching changes results only by float rounding.
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
     * One image's state after DMAR and CWR planning.
     *
     * @param image            the preprocessed image
     * @param text             its vocabulary's text features {@code [K,E]}
     * @param gridH            patch rows
     * @param gridW            patch columns
     * @param classBoxes       DMAR boxes of every class
     * @param localScores      DMAR scores of the dataset classes
     * @param plan             CWR decisions
     */
    public record Local(
            ClipImage image,
            NDArray text,
            int gridH,
            int gridW,
            List<AttentionRefiner.ClassBoxes> classBoxes,
            float[] localScores,
            ClassWiseReidentifier.Plan plan) {}

    /** A crop waiting for its forward, with the text features its probabilities are computed against. */
    public record CropJob(ClipImage image, ClassWiseReidentifier.Crop crop, NDArray text) {}

    /**
     * Reference mode for one image.
     *
     * @param image      output of {@link io.tagclip.preprocess.ClipTransform#reference}
     * @param text       normalised text features of all K classes {@code [K,E]}, dataset classes first
     * @param numClasses C, the dataset classes; the remaining K - C are background classes
     * @param manager    scope of every array this call creates
     */
    public TagClipOutput score(ClipImage image, NDArray text, int numClasses, NDManager manager) {
        return scoreOne(image, text, numClasses, manager, null);
    }

    /** {@link #score(ClipImage, NDArray, int, NDManager)}, adding the image's maps to {@code trace}. */
    public TagClipOutput score(ClipImage image, NDArray text, int numClasses, NDManager manager, TagClipTrace trace) {
        return scoreOne(image, text, numClasses, manager, Objects.requireNonNull(trace, "trace"));
    }

    private TagClipOutput scoreOne(
            ClipImage image, NDArray text, int numClasses, NDManager manager, TagClipTrace trace) {
        Local local = firstPass(List.of(image), List.of(text), new int[] {numClasses}, manager, trace)
                .get(0);
        List<CropJob> jobs = new ArrayList<>();
        for (ClassWiseReidentifier.Crop crop : local.plan().crops()) {
            jobs.add(new CropJob(image, crop, text));
        }
        // The reference runs one crop per forward.
        List<float[]> probabilities = cropProbabilities(jobs, 1, manager);
        return finish(local, probabilities);
    }

    /**
     * First pass, coarse map, DMAR and CWR planning for images of one size, in one forward.
     *
     * @param images     preprocessed images, all of the same size
     * @param texts      each image's text features {@code [K_i,E]}
     * @param numClasses each image's C
     */
    public List<Local> firstPass(List<ClipImage> images, List<NDArray> texts, int[] numClasses, NDManager manager) {
        return firstPass(images, texts, numClasses, manager, null);
    }

    /** The first pass; {@code trace}, when there is one, receives each image's maps. */
    private List<Local> firstPass(
            List<ClipImage> images, List<NDArray> texts, int[] numClasses, NDManager manager, TagClipTrace trace) {
        if (images.isEmpty() || texts.size() != images.size() || numClasses.length != images.size()) {
            throw new IllegalArgumentException("need one text table and class count per image, got " + images.size()
                    + " images, " + texts.size() + " tables, " + numClasses.length + " counts");
        }
        int p = params.patchSize();
        ClipImage first = images.get(0);
        for (ClipImage image : images) {
            if (image.width() != first.width() || image.height() != first.height()) {
                throw new IllegalArgumentException("one forward needs one size, got " + first.width() + "x"
                        + first.height() + " and " + image.width() + "x" + image.height());
            }
        }
        if (first.width() % p != 0 || first.height() % p != 0) {
            throw new IllegalArgumentException(
                    "image " + first.width() + "x" + first.height() + " is not a multiple of the patch size " + p);
        }
        int gridH = first.height() / p;
        int gridW = first.width() / p;
        float scale = backbone.logitScale();

        NDList pixels = new NDList(images.size());
        for (ClipImage image : images) {
            pixels.add(image.toNDArray(manager)); // [3,H,W]
        }
        NDArray batch = NDArrays.stack(pixels); // B x [3,H,W] -> [B,3,H,W]
        TagClipBackbone.Vision vision = backbone.encodeTagClip(batch, params.lastLayerSelfMask());

        List<Local> locals = new ArrayList<>(images.size());
        for (int b = 0; b < images.size(); b++) {
            NDArray text = texts.get(b);
            int k = (int) text.getShape().get(0);
            int c = numClasses[b];
            if (c <= 0 || c > k) {
                throw new IllegalArgumentException("numClasses must be in [1," + k + "], got " + c);
            }
            NDArray tokens = vision.tokens().get(b); // [B,1+N,E] -> [1+N,E]
            NDArray attentions = vision.attentions().get(":, " + b); // [L,B,1+N,1+N] -> [L,1+N,1+N]
            NDArray coarse = PatchClassifier.classify(tokens, text, scale); // [N,K]
            NDArray weights = AttentionRefiner.weights(attentions, params); // [N,N]
            AttentionRefiner.Refinement refinement = AttentionRefiner.refine(weights, coarse, gridH, gridW, params);
            float[] refined = refinement.refined().toFloatArray();
            float[] localScores = localScores(refined, k, c);
            ClassWiseReidentifier.Plan plan = ClassWiseReidentifier.plan(refined, k, localScores, gridH, gridW, params);
            if (trace != null) {
                long votes = AttentionRefiner.voteMask(attentions, params.voteMinLayers())
                        .toType(DataType.INT64, false)
                        .sum()
                        .getLong();
                trace.add(new TagClipTrace.Maps(
                        coarse.toFloatArray(), refinement.attentionRefined().toFloatArray(), refined, votes));
            }
            locals.add(new Local(images.get(b), text, gridH, gridW, refinement.classes(), localScores, plan));
        }
        return locals;
    }

    /**
     * Runs crops through the class-masked forward, at most {@code maxPerForward} per forward, and returns each crop's
     * softmax over its own vocabulary's K classes.
     */
    public List<float[]> cropProbabilities(List<CropJob> jobs, int maxPerForward, NDManager manager) {
        if (maxPerForward <= 0) {
            throw new IllegalArgumentException("maxPerForward must be positive, got " + maxPerForward);
        }
        List<float[]> out = new ArrayList<>(jobs.size());
        float scale = backbone.logitScale();
        for (int start = 0; start < jobs.size(); start += maxPerForward) {
            List<CropJob> chunk = jobs.subList(start, Math.min(jobs.size(), start + maxPerForward));
            try (NDManager scope = manager.newSubManager()) {
                NDList crops = new NDList(chunk.size());
                List<ClassWiseReidentifier.Crop> specs = new ArrayList<>(chunk.size());
                for (CropJob job : chunk) {
                    crops.add(ClassWiseReidentifier.cropPixels(job.image(), List.of(job.crop()), params, scope));
                    specs.add(job.crop());
                }
                NDArray pixels = NDArrays.concat(crops); // b x [1,3,S,S] -> [b,3,S,S]
                NDArray rowMasks = ClassWiseReidentifier.classRowMasks(specs, params, scope); // [b,1+G*G]
                NDArray classTokens = backbone.encodeClassMasked(pixels, rowMasks); // [b,E]
                for (int i = 0; i < chunk.size(); i++) {
                    NDArray token = classTokens.get(i + ":" + (i + 1)); // [b,E] -> [1,E]
                    out.add(ClassWiseReidentifier.cropProbabilities(
                            token, chunk.get(i).text(), scale));
                }
            }
        }
        return out;
    }

    /** Fuses an image's crop probabilities (in the order of its plan's crops) into its local scores. */
    public TagClipOutput finish(Local local, List<float[]> probabilities) {
        int k = (int) local.text().getShape().get(0);
        float[] flat = new float[probabilities.size() * k];
        for (int i = 0; i < probabilities.size(); i++) {
            System.arraycopy(probabilities.get(i), 0, flat, i * k, k);
        }
        float[] scores =
                ClassWiseReidentifier.fuse(local.localScores(), local.plan().crops(), flat, k, params);
        return new TagClipOutput(
                local.gridH(), local.gridW(), local.classBoxes(), local.localScores(), local.plan(), flat, scores);
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
