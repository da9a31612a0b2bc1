package io.tagclip.segment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tagclip.batch.FirstPassMemory;
import io.tagclip.batch.FirstPassTooLarge;
import io.tagclip.clip.ClipConfig;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.GradCamPass;
import io.tagclip.image.RgbImage;
import io.tagclip.preprocess.ClipImage;
import io.tagclip.preprocess.ClipTransform;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * TagCLIP's classify-then-segment stage: CLIP-ES ({@code generate_cams_voc.py} / {@code generate_cams_coco.py}
 * {@code perform()}, then {@code eval_cam.py}'s label rule) on an image and the class indices of its tags.
 *
 * <p>Per image: the reference transform (each side rounded up to a multiple of the patch size, bicubic); one
 * {@link ClipModel#gradCamPass} for all labels (text rows: the labels' one-template features in label order, then
 * every background feature); per label the Grad-CAM map, its boxes, the CAA refinement, the min-max scaled map at the
 * original size and its fp16 copy; then the label map over all labels. Thread-safe; holds only host arrays.
 *
 * <p>The Grad-CAM pass runs at the image's own size whatever the tagging mode, and its last block runs forward and
 * backward once per label, so its memory grows with the square of the token count times the labels: before it, its
 * peak is estimated ({@link FirstPassMemory#gradCamBytes}) and an image above the budget is refused
 * ({@link FirstPassTooLarge}).
 */
public final class ClsSegmenter {

    private final ClipModel model;
    private final ClsSegVocabulary vocabulary;
    private final float[] classText; // [C,E]
    private final float[] backgroundText; // [B,E]
    private final int embedDim;
    private final FirstPassMemory memory;
    private final long budget;

    /**
     * Builds the text features of {@code vocabulary} with {@code model} (one forward of C + B prompts); no memory
     * budget (for parity checks on small images).
     */
    public ClsSegmenter(ClipModel model, ClsSegVocabulary vocabulary) {
        this(model, vocabulary, Long.MAX_VALUE);
    }

    /**
     * As {@link #ClsSegmenter(ClipModel, ClsSegVocabulary)}, refusing an image whose Grad-CAM pass would need more
     * than {@code budget} bytes.
     */
    public ClsSegmenter(ClipModel model, ClsSegVocabulary vocabulary, long budget) {
        if (budget <= 0) {
            throw new IllegalArgumentException("the Grad-CAM pass budget must be positive, got " + budget);
        }
        this.model = model;
        this.vocabulary = vocabulary;
        this.embedDim = model.config().embedDim();
        ClipConfig c = model.config();
        this.memory = new FirstPassMemory(
                c.visionLayers(),
                c.visionHeads(),
                c.visionWidth(),
                c.visionMlpWidth(),
                model.device().isGpu());
        this.budget = budget;
        this.classText = textFeatures(model, vocabulary.classNames());
        this.backgroundText = textFeatures(model, vocabulary.backgroundNames());
    }

    public ClsSegVocabulary vocabulary() {
        return vocabulary;
    }

    /**
     * CLIP-ES's {@code zeroshot_classifier(names, ['a clean origami {}.'])}: encode, L2-normalise, mean over the
     * single template, L2-normalise again; [names, E] row-major.
     */
    public static float[] textFeatures(ClipModel model, List<String> names) {
        List<String> prompts = new ArrayList<>(names.size());
        names.forEach(n -> prompts.add(ClsSegParams.TEMPLATE.replace("{}", n)));
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray features = model.encodeTexts(prompts, scope); // [T,E]
            features = features.div(features.norm(new int[] {1}, true));
            features = features.div(features.norm(new int[] {1}, true)); // the mean of one row is the row
            return features.toFloatArray();
        }
    }

    /** The class text features, [C,E] row-major (a copy). */
    public float[] classText() {
        return classText.clone();
    }

    /** The background text features, [B,E] row-major (a copy). */
    public float[] backgroundText() {
        return backgroundText.clone();
    }

    /**
     * Segments one image for its labels.
     *
     * @param image the decoded image at its original size
     * @param classIndices the labels' class indices in the vocabulary, distinct; none gives an all-background map
     * @throws FirstPassTooLarge when the Grad-CAM pass for these labels would exceed the budget (before any of it
     *     runs)
     */
    public ImageSegmentation segment(RgbImage image, int[] classIndices) {
        checkLabels(classIndices);
        int patch = model.config().patchSize();
        int height = image.height();
        int width = image.width();
        int h = ClipTransform.roundUpToPatch(height, patch) / patch;
        int w = ClipTransform.roundUpToPatch(width, patch) / patch;
        if (classIndices.length == 0) {
            return new ImageSegmentation(h, w, height, width, new float[0], List.of(), new byte[height * width]);
        }
        checkMemory(w * patch, h * patch, classIndices.length);
        ClipImage input = ClipTransform.reference(image, patch);
        ClsSegParams params = vocabulary.params();
        int labels = classIndices.length;
        int n = h * w;
        int d = model.config().visionWidth();
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray pixels = input.toNDArray(scope).expandDims(0); // [3,H,W] -> [1,3,H,W]
            NDArray text = scope.create(textRows(classIndices), new Shape(labels + backgroundRows(), embedDim));
            try (GradCamPass pass = model.gradCamPass(pixels, text, labels)) {
                float[] activations = pass.activations().toFloatArray(); // [N,D]
                float[] gradients = pass.gradients().toFloatArray(); // [L,N,D]
                float[] probabilities = pass.probabilities().toFloatArray();
                NDArray transition =
                        AffinityRefiner.transition(AffinityRefiner.attentionMean(pass.attentions(), params));
                List<LabelSegmentation> out = new ArrayList<>(labels);
                short[][] halves = new short[labels][];
                for (int l = 0; l < labels; l++) {
                    float[] grads = new float[n * d];
                    System.arraycopy(gradients, l * n * d, grads, 0, n * d);
                    float[] cam = GradCam.grayscale(activations, grads, n, d);
                    CamBoxes.Result boxes = CamBoxes.boxes(cam, h, w, params.boxThreshold());
                    float[] refined = AffinityRefiner.refine(transition, cam, boxes.mask(h, w));
                    float[] highres = HighResMaps.attnHighres(refined, h, w, height, width);
                    halves[l] = HighResMaps.toHalf(highres);
                    out.add(new LabelSegmentation(classIndices[l], cam, boxes, refined, highres, halves[l]));
                }
                byte[] labelMap = HighResMaps.labelMap(halves, classIndices);
                return new ImageSegmentation(h, w, height, width, probabilities, out, labelMap);
            }
        }
    }

    /** Refuses a Grad-CAM pass of {@code labels} labels at {@code width x height} above the budget. */
    private void checkMemory(int width, int height, int labels) {
        int patch = model.config().patchSize();
        long tokens = FirstPassMemory.tokens(width, height, patch);
        long estimate = memory.gradCamBytes(tokens, labels);
        if (estimate <= budget) {
            return;
        }
        int side =
                FirstPassMemory.longestSideWithin(width, height, patch, t -> memory.gradCamBytes(t, labels) <= budget);
        throw new FirstPassTooLarge(
                String.format(Locale.ROOT, "the Grad-CAM pass of its masks (%d tag%s)", labels, labels == 1 ? "" : "s"),
                width,
                height,
                tokens,
                estimate,
                budget,
                "masks run at the image's own size whatever the mode; tag it without masks"
                        + (side >= patch
                                ? ", scale it to a long side of at most " + side + " pixels before tagging"
                                : "")
                        + ", or raise the budget");
    }

    private int backgroundRows() {
        return backgroundText.length / embedDim;
    }

    /** [labels' class rows in label order, every background row], [L+B,E] row-major. */
    private float[] textRows(int[] classIndices) {
        float[] rows = new float[(classIndices.length + backgroundRows()) * embedDim];
        for (int l = 0; l < classIndices.length; l++) {
            System.arraycopy(classText, classIndices[l] * embedDim, rows, l * embedDim, embedDim);
        }
        System.arraycopy(backgroundText, 0, rows, classIndices.length * embedDim, backgroundText.length);
        return rows;
    }

    private void checkLabels(int[] classIndices) {
        int classes = vocabulary.classNames().size();
        Set<Integer> seen = new HashSet<>();
        for (int c : classIndices) {
            if (c < 0 || c >= classes) {
                throw new IllegalArgumentException("class index " + c + " outside vocabulary "
                        + vocabulary.vocabularyId() + " [0," + classes + ")");
            }
            if (!seen.add(c)) {
                throw new IllegalArgumentException("class index " + c + " given twice");
            }
        }
    }
}
