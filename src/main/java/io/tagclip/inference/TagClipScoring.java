package io.tagclip.inference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.tagclip.batch.FirstPassMemory;
import io.tagclip.batch.FirstPassTooLarge;
import io.tagclip.batch.ShapeBuckets;
import io.tagclip.image.RgbImage;
import io.tagclip.pipeline.Box;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.Method;
import io.tagclip.preprocess.ClipImage;
import io.tagclip.preprocess.ClipTransform;
import io.tagclip.tagging.AttentionRefiner;
import io.tagclip.tagging.ClassWiseReidentifier;
import io.tagclip.tagging.PatchBox;
import io.tagclip.tagging.TagClipBackbone;
import io.tagclip.tagging.TagClipOutput;
import io.tagclip.tagging.TagClipTagger;
import io.tagclip.tagging.TagDecision;
import io.tagclip.vocab.NameFeatureLru;
import io.tagclip.vocab.TextTable;
import io.tagclip.vocab.Vocabulary;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * TagCLIP as a {@link BatchRunner.Scoring}.
 *
 * <p>Reference mode: each image keeps the reference's size (its own size rounded up to multiples of 16) and its CWR
 * crops run one per forward. Throughput mode: images are resized to shape buckets and the CWR crops of the whole
 * batch share forwards. In both modes images of different sizes share first-pass forwards, grouped by token count
 * ({@link ShapeBuckets#byTokens}) and padded to the longest with the padding masked out, so each image's result is
 * its result alone to float rounding (the runner retries a failed shared forward image by image). An image's
 * decisions depend only on its own tensors.
 *
 * <p>Memory: before an image is resized, its first pass's peak is estimated at the size its mode runs it at
 * ({@link FirstPassMemory}); an image whose estimate exceeds the first-pass budget is refused
 * ({@link FirstPassTooLarge}, which the runner reports as too large) without any forward, and first passes share a
 * forward only as far as the budget holds them.
 *
 * <p>A request's label subset restricts the reported scores and tags to those labels; the scores themselves, and the
 * relative tag threshold, are computed over the whole vocabulary, so they do not depend on the subset (see
 * {@link TagDecision}). Boxes: the union of the tag's DMAR boxes, mapped back to original pixels.
 */
final class TagClipScoring implements BatchRunner.Scoring<NDArray, TagClipScoring.Image> {

    private final TextTable.NameEmbedder embedder;
    /** Extra labels' features (open vocabulary), the most recently used kept. */
    private final NameFeatureLru extraLabels;

    private final PipelineSettings settings;
    private final TagClipTagger tagger;
    /** The model's dimensions: they size a first pass's memory (kept maps, per-head temporaries, activations). */
    private final FirstPassMemory memory;
    /** Bytes one first-pass forward may take (the settings' budget, resolved on the model's device). */
    private final long budget;

    /**
     * @param backbone the CLIP forwards
     * @param embedder prompt-ensemble text embedder of the same model
     * @param settings parameters, decision rule, boxes and mode
     * @param budget   bytes one first-pass forward may take: {@code settings.firstPassBudget()} on the model's device
     * @param extraLabels embeds extra labels (the same prompt ensemble, without the disk cache) and keeps them
     */
    TagClipScoring(
            TagClipBackbone backbone,
            TextTable.NameEmbedder embedder,
            PipelineSettings settings,
            long budget,
            NameFeatureLru extraLabels) {
        this.embedder = Objects.requireNonNull(embedder, "embedder");
        this.extraLabels = Objects.requireNonNull(extraLabels, "extraLabels");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.tagger = new TagClipTagger(Objects.requireNonNull(backbone, "backbone"), settings.params());
        this.memory = backbone.firstPassMemory();
        if (budget <= 0) {
            throw new IllegalArgumentException("the first-pass budget must be positive, got " + budget);
        }
        this.budget = budget;
    }

    /** One image through TagCLIP: its preprocessed pixels, then its first-pass state, then its output. */
    static final class Image {
        final ClipImage pixels;
        final NDArray text;
        final int numClasses;
        TagClipTagger.Local local;
        TagClipOutput output;

        Image(ClipImage pixels, NDArray text, int numClasses) {
            this.pixels = pixels;
            this.text = text;
            this.numClasses = numClasses;
        }
    }

    @Override
    public Method method() {
        return Method.TAGCLIP;
    }

    @Override
    public String paramsVersion() {
        return settings.paramsVersion();
    }

    @Override
    public NDArray textSide(Vocabulary vocabulary, NDManager manager) {
        return TextTable.build(vocabulary, embedder, manager);
    }

    /** The base rows with the extra labels' rows after its dataset classes, before its background classes. */
    @Override
    public NDArray extend(NDArray base, Vocabulary extended, List<String> extras, NDManager scope) {
        int datasetClasses = extended.numClasses() - extras.size();
        NDArray added = extraLabels.embed(extras, scope).toType(base.getDataType(), false);
        // slices and their concatenation are made in the base's long-lived manager: move each into the call's scope
        NDArray head = base.get(":" + datasetClasses);
        head.attach(scope);
        NDList parts = new NDList(head, added);
        if (base.getShape().get(0) > datasetClasses) {
            NDArray background = base.get(datasetClasses + ":");
            background.attach(scope);
            parts.add(background);
        }
        NDArray rows = NDArrays.concat(parts, 0);
        rows.attach(scope);
        return rows;
    }

    @Override
    public boolean extrasReady(List<String> extras) {
        return extraLabels.containsAll(extras);
    }

    @Override
    public void prepareExtras(List<String> extras, NDManager manager) {
        extraLabels.embedAhead(extras, manager);
    }

    @Override
    public Image prepare(ImageRequest request, Vocabulary vocabulary, NDArray text) {
        RgbImage rgb = request.image();
        ShapeBuckets.Size size = inputSize(rgb, settings);
        checkMemory(size);
        ClipImage pixels = settings.mode() == PipelineSettings.Mode.REFERENCE
                ? ClipTransform.reference(rgb, settings.params().patchSize())
                : ClipTransform.toSize(rgb, size.width(), size.height());
        return new Image(pixels, text, vocabulary.numClasses());
    }

    /**
     * The size an image's first pass runs at: its own sides rounded up to multiples of the patch size in reference
     * mode, its shape bucket in throughput mode.
     */
    static ShapeBuckets.Size inputSize(RgbImage rgb, PipelineSettings settings) {
        if (settings.mode() == PipelineSettings.Mode.REFERENCE) {
            int patch = settings.params().patchSize();
            return new ShapeBuckets.Size(
                    ClipTransform.roundUpToPatch(rgb.width(), patch),
                    ClipTransform.roundUpToPatch(rgb.height(), patch));
        }
        return ShapeBuckets.target(rgb.width(), rgb.height(), settings.batching());
    }

    /**
     * Refuses a first pass at {@code size} whose estimated peak exceeds the budget, naming the ways out: throughput
     * mode or a smaller image in reference mode, a larger budget (or coarser buckets) in throughput mode.
     */
    private void checkMemory(ShapeBuckets.Size size) {
        int patch = settings.params().patchSize();
        long tokens = FirstPassMemory.tokens(size.width(), size.height(), patch);
        long estimate = memory.tagClipBytes(1, tokens, false);
        if (estimate <= budget) {
            return;
        }
        boolean reference = settings.mode() == PipelineSettings.Mode.REFERENCE;
        String waysOut;
        if (reference) {
            int side = FirstPassMemory.longestSideWithin(
                    size.width(), size.height(), patch, t -> memory.tagClipBytes(1, t, false) <= budget);
            int throughputSide = settings.batching().maxLongSide();
            waysOut = String.format(
                    Locale.ROOT,
                    "tag it in throughput mode (tagger.model.mode=throughput, --mode throughput: a %d-pixel long side)%s,"
                            + " or raise the budget",
                    throughputSide,
                    side >= patch ? ", scale it to a long side of at most " + side + " pixels before tagging" : "");
        } else {
            waysOut = "raise the budget (or, on the command line, use the smaller buckets of --coarse-buckets)";
        }
        throw new FirstPassTooLarge(
                reference ? "reference mode's first pass" : "throughput mode's first pass",
                size.width(),
                size.height(),
                tokens,
                estimate,
                budget,
                waysOut);
    }

    @Override
    public void score(List<BatchRunner.Job<Image>> jobs, BatchRunner.Forwards<Image> forwards) {
        // First passes grouped by token count, images of different sizes padded to a shared length (both modes).
        for (List<BatchRunner.Job<Image>> forward : firstPassGroups(jobs, settings, memory, budget)) {
            forwards.together(forward, this::firstPass);
        }
        // Reference mode runs one crop per forward, as the reference does; throughput mode pools the batch's crops.
        forwards.together(jobs, settings.mode() == PipelineSettings.Mode.REFERENCE ? this::cropsAlone : this::crops);
    }

    /**
     * The first-pass forwards of {@code jobs}: grouped by token count within the policy's padding bound, as many images
     * per forward as both the policy's attention budget for the model's layers and the first-pass memory budget hold
     * (at least one: an image alone above the budget was refused before).
     */
    static List<List<BatchRunner.Job<Image>>> firstPassGroups(
            List<BatchRunner.Job<Image>> jobs, PipelineSettings settings, FirstPassMemory memory, long budget) {
        int patch = settings.params().patchSize();
        boolean padded = settings.batching().maxPaddingShare() > 0;
        List<List<Integer>> groups = ShapeBuckets.byTokens(
                jobs,
                job -> tokens(job.state(), patch),
                settings.batching(),
                longest -> Math.min(
                        settings.batching().imagesPerForward(longest, memory.layers()),
                        memory.imagesWithin(budget, longest, padded)));
        return groups.stream()
                .map(group -> group.stream().map(jobs::get).toList())
                .toList();
    }

    /** An image's first-pass sequence length: its class token and one token per patch. */
    static int tokens(Image image, int patch) {
        return 1 + (image.pixels.width() / patch) * (image.pixels.height() / patch);
    }

    private void firstPass(List<Image> images, NDManager scope) {
        int[] classes = images.stream().mapToInt(image -> image.numClasses).toArray();
        List<TagClipTagger.Local> locals = tagger.firstPass(
                images.stream().map(image -> image.pixels).toList(),
                images.stream().map(image -> image.text).toList(),
                classes,
                scope);
        for (int i = 0; i < images.size(); i++) {
            images.get(i).local = locals.get(i);
        }
    }

    /** The crops of {@code images} in shared forwards, then each image's fusion. */
    private void crops(List<Image> images, NDManager scope) {
        crops(images, settings.batching().maxCropsPerForward(), scope);
    }

    /** The crops of {@code images} one per forward (reference mode), then each image's fusion. */
    private void cropsAlone(List<Image> images, NDManager scope) {
        crops(images, 1, scope);
    }

    private void crops(List<Image> images, int perForward, NDManager scope) {
        List<TagClipTagger.CropJob> cropJobs = new ArrayList<>();
        for (Image image : images) {
            for (ClassWiseReidentifier.Crop crop : image.local.plan().crops()) {
                cropJobs.add(new TagClipTagger.CropJob(image.pixels, crop, image.text));
            }
        }
        List<float[]> probabilities = tagger.cropProbabilities(cropJobs, perForward, scope);
        int next = 0;
        for (Image image : images) {
            int n = image.local.plan().crops().size();
            image.output = tagger.finish(image.local, probabilities.subList(next, next + n));
            next += n;
        }
    }

    @Override
    public float[] scores(Image image) {
        return image.output.scores();
    }

    @Override
    public Box box(Image image, int c) {
        return settings.boxes()
                ? box(
                        image.output.classBoxes().get(c),
                        image.pixels,
                        settings.params().patchSize())
                : null;
    }

    /**
     * A tag's box: the extent of its class's DMAR boxes (patch cells of the resized image), scaled to original
     * pixels and widened outward to whole pixels. {@code null} when DMAR found no box for the class. Because of the
     * reference's clipping, the last patch row and column are never inside a box.
     */
    static Box box(AttentionRefiner.ClassBoxes boxes, ClipImage image, int patch) {
        PatchBox cells = boxes.extent();
        if (cells == null) {
            return null;
        }
        double sx = (double) image.originalWidth() / image.width();
        double sy = (double) image.originalHeight() / image.height();
        int x0 = (int) Math.floor(cells.x0() * patch * sx);
        int y0 = (int) Math.floor(cells.y0() * patch * sy);
        int x1 = Math.min(image.originalWidth(), (int) Math.ceil(cells.x1() * patch * sx));
        int y1 = Math.min(image.originalHeight(), (int) Math.ceil(cells.y1() * patch * sy));
        return new Box(x0, y0, x1, y1);
    }
}
