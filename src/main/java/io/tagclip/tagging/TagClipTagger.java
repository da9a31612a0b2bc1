package io.tagclip.tagging;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import io.tagclip.clip.HostTransfers;
import io.tagclip.clip.TokenLayout;
import io.tagclip.preprocess.ClipImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Runs TagCLIP's steps for images: the first pass, {@link PatchClassifier coarse classification},
 * {@link AttentionRefiner DMAR}, {@link ClassWiseReidentifier CWR} and fusion.
 *
 * <p>{@link #score} is the reference mode for one image, step by step as classify.py runs it (one crop per forward).
 * {@link #firstPass} and {@link #cropProbabilities} are the same steps for several images at once: first passes of
 * images of any sizes share one padded forward, and crops of any images share forwards. Every image's decisions depend only on
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
        Local local = firstPassTraced(List.of(image), List.of(text), new int[] {numClasses}, manager, trace)
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
     * First pass, coarse map, DMAR and CWR planning for images of any sizes, in one forward.
     *
     * @param images     preprocessed images, each a multiple of the patch size (sizes may differ: the forward pads
     *                   them, see {@link TagClipBackbone#encodeTagClip})
     * @param texts      each image's text features {@code [K_i,E]}
     * @param numClasses each image's C
     */
    public List<Local> firstPass(List<ClipImage> images, List<NDArray> texts, int[] numClasses, NDManager manager) {
        return firstPassTraced(images, texts, numClasses, manager, null);
    }

    /** {@link #firstPass(List, List, int[], NDManager)}, adding each image's maps to {@code trace} in order. */
    public List<Local> firstPass(
            List<ClipImage> images, List<NDArray> texts, int[] numClasses, NDManager manager, TagClipTrace trace) {
        return firstPassTraced(images, texts, numClasses, manager, Objects.requireNonNull(trace, "trace"));
    }

    /**
     * The first pass; {@code trace}, when there is one, receives each image's maps.
     *
     * <p>Everything up to the two host-side decisions stays on the device. The host reads twice per call, whatever
     * the number of images: every image's {@code W·P_coarse} in one copy (DMAR's boxes are connected components,
     * host work), then every image's refined map in one copy (CWR's plan: candidates, boxes, early return).
     */
    private List<Local> firstPassTraced(
            List<ClipImage> images, List<NDArray> texts, int[] numClasses, NDManager manager, TagClipTrace trace) {
        if (images.isEmpty() || texts.size() != images.size() || numClasses.length != images.size()) {
            throw new IllegalArgumentException("need one text table and class count per image, got " + images.size()
                    + " images, " + texts.size() + " tables, " + numClasses.length + " counts");
        }
        int p = params.patchSize();
        List<NDArray> pixels = new ArrayList<>(images.size());
        List<TokenLayout.Grid> grids = new ArrayList<>(images.size());
        for (ClipImage image : images) {
            if (image.width() % p != 0 || image.height() % p != 0) {
                throw new IllegalArgumentException(
                        "image " + image.width() + "x" + image.height() + " is not a multiple of the patch size " + p);
            }
            pixels.add(image.toNDArray(manager)); // [3,H,W], host to device
            grids.add(new TokenLayout.Grid(image.height() / p, image.width() / p));
        }
        for (int b = 0; b < images.size(); b++) {
            int k = (int) texts.get(b).getShape().get(0);
            if (numClasses[b] <= 0 || numClasses[b] > k) {
                throw new IllegalArgumentException("numClasses must be in [1," + k + "], got " + numClasses[b]);
            }
        }
        float scale = backbone.logitScale();
        // DMAR's vote and refinement sum are reduced as the forward makes each layer's map, never all kept at once.
        LayerVotes votes = new LayerVotes(new TokenLayout(grids), backbone.visionLayers(), params, manager);
        TagClipBackbone.Vision vision = backbone.encodeTagClip(pixels, params.lastLayerSelfMask(), votes);
        TokenLayout layout = vision.layout();

        // On the device, per image: its real tokens only (padding is the rest of each row).
        int count = images.size();
        NDArray[] coarse = new NDArray[count];
        NDArray[] weights = new NDArray[count];
        NDArray[] propagated = new NDArray[count];
        for (int b = 0; b < count; b++) {
            int t = layout.tokens(b);
            TokenLayout.Grid grid = layout.grid(b);
            NDArray tokens = vision.tokens().get(b + ", :" + t + ", :"); // [B,T,E] -> [1+N,E]
            coarse[b] = PatchClassifier.classify(tokens, texts.get(b), scale); // [N,K]
            weights[b] = votes.weights(b); // [N,N]
            propagated[b] = AttentionRefiner.propagate(weights[b], coarse[b], grid.rows(), grid.cols()); // [N,K]
        }
        float[][] propagatedHost = toHost(propagated); // one copy

        NDArray[] refined = new NDArray[count];
        List<List<AttentionRefiner.ClassBoxes>> boxes = new ArrayList<>(count);
        for (int b = 0; b < count; b++) {
            TokenLayout.Grid grid = layout.grid(b);
            AttentionRefiner.BoxMasks masks =
                    AttentionRefiner.boxMasks(propagatedHost[b], grid.rows(), grid.cols(), params);
            boxes.add(masks.classes());
            refined[b] = AttentionRefiner.masked(weights[b], coarse[b], masks); // [N,K], on the device
        }
        float[][] refinedHost = toHost(refined); // one copy

        List<Local> locals = new ArrayList<>(count);
        for (int b = 0; b < count; b++) {
            TokenLayout.Grid grid = layout.grid(b);
            int k = (int) texts.get(b).getShape().get(0);
            float[] localScores = localScores(refinedHost[b], k, numClasses[b]);
            ClassWiseReidentifier.Plan plan =
                    ClassWiseReidentifier.plan(refinedHost[b], k, localScores, grid.rows(), grid.cols(), params);
            if (trace != null) {
                NDArray voted = votes.mask(b).toType(DataType.FLOAT32, false).sum();
                trace.add(
                        new TagClipTrace.Maps(HostTransfers.floats(coarse[b]), propagatedHost[b], refinedHost[b], (long)
                                HostTransfers.floats(voted)[0]));
            }
            locals.add(
                    new Local(images.get(b), texts.get(b), grid.rows(), grid.cols(), boxes.get(b), localScores, plan));
        }
        return locals;
    }

    /**
     * Runs crops through the class-masked forward, at most {@code maxPerForward} per forward, and returns each crop's
     * softmax over its own vocabulary's K classes. Crops are cut and resized on the device from their image's pixels
     * (uploaded once per image), and every probability stays there until one copy for the whole call.
     */
    public List<float[]> cropProbabilities(List<CropJob> jobs, int maxPerForward, NDManager manager) {
        if (maxPerForward <= 0) {
            throw new IllegalArgumentException("maxPerForward must be positive, got " + maxPerForward);
        }
        if (jobs.isEmpty()) {
            return List.of();
        }
        float scale = backbone.logitScale();
        Map<ClipImage, NDArray> pixels = new IdentityHashMap<>();
        NDArray[] probabilities = new NDArray[jobs.size()];
        for (int start = 0; start < jobs.size(); start += maxPerForward) {
            List<CropJob> chunk = jobs.subList(start, Math.min(jobs.size(), start + maxPerForward));
            for (CropJob job : chunk) {
                pixels.computeIfAbsent(job.image(), i -> i.toNDArray(manager)); // [3,H,W], kept for every chunk
            }
            // A chunk's crops and activations are freed when it ends; only its [1,K] probabilities are kept.
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                NDList crops = new NDList(chunk.size());
                List<ClassWiseReidentifier.Crop> specs = new ArrayList<>(chunk.size());
                for (CropJob job : chunk) {
                    NDArray image = pixels.get(job.image());
                    crops.add(ClassWiseReidentifier.cropPixels(image, List.of(job.crop()), params)); // [1,3,S,S]
                    specs.add(job.crop());
                }
                NDArray batch = NDArrays.concat(crops); // b x [1,3,S,S] -> [b,3,S,S]
                NDArray rowMasks = ClassWiseReidentifier.classRowMasks(specs, params, manager); // [b,1+G*G]
                NDArray classTokens = backbone.encodeClassMasked(batch, rowMasks); // [b,E]
                for (int i = 0; i < chunk.size(); i++) {
                    NDArray token = classTokens.get(i + ":" + (i + 1)); // [b,E] -> [1,E]
                    NDArray probs = ClassWiseReidentifier.cropProbabilities(
                            token, chunk.get(i).text(), scale);
                    NDScope.unregister(probs); // [1,K], lives on in manager
                    probabilities[start + i] = probs;
                }
            }
        }
        return List.of(toHost(probabilities)); // one copy
    }

    /**
     * One device-to-host copy for several arrays (of any shapes): flattened, concatenated, read, and split again.
     *
     * @return each array's values, row-major, in order
     */
    static float[][] toHost(NDArray[] arrays) {
        NDList flat = new NDList(arrays.length);
        for (NDArray array : arrays) {
            flat.add(array.reshape(-1)); // [..] -> [n_i]
        }
        float[] all = HostTransfers.floats(flat.size() == 1 ? flat.get(0) : NDArrays.concat(flat)); // -> [sum n_i]
        float[][] out = new float[arrays.length][];
        int offset = 0;
        for (int i = 0; i < arrays.length; i++) {
            int n = Math.toIntExact(arrays[i].size());
            out[i] = Arrays.copyOfRange(all, offset, offset + n);
            offset += n;
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
