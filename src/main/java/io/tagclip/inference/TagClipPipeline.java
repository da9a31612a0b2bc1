package io.tagclip.inference;

import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.Method;
import io.tagclip.pipeline.FailureKind;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.pipeline.Box;
import io.tagclip.image.RgbImage;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.tagclip.batch.ShapeBuckets;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.PromptEnsemble;
import io.tagclip.preprocess.ClipImage;
import io.tagclip.preprocess.ClipTransform;
import io.tagclip.tagging.AttentionRefiner;
import io.tagclip.tagging.ClassWiseReidentifier;
import io.tagclip.tagging.PatchBox;
import io.tagclip.tagging.TagClipBackbone;
import io.tagclip.tagging.TagClipOutput;
import io.tagclip.tagging.TagClipTagger;
import io.tagclip.tagging.TagDecision;
import io.tagclip.vocab.TextTable;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link TaggingPipeline} running TagCLIP.
 *
 * <p>Reference mode: each image goes through the reference steps on its own (first pass at its own size rounded up to
 * multiples of 16, one forward per CWR crop). Throughput mode: images are resized to shape buckets, same-bucket
 * images share first-pass forwards and the CWR crops of the whole batch share forwards; when a shared forward fails,
 * its images are retried one by one so that only the image that fails alone is reported failed. In both modes an
 * image's decisions depend only on its own tensors.
 *
 * <p>A request's label subset restricts the reported scores and tags to those labels; the scores themselves, and the
 * relative tag threshold, are computed over the whole vocabulary, so they do not depend on the subset (see
 * {@link TagDecision}). Boxes: the union of the tag's DMAR boxes, mapped back to original pixels.
 *
 * <p>Text features are computed once per vocabulary (id and content version) on first use and kept until
 * {@link #close()}. Thread-safe: inference runs one batch at a time.
 */
public final class TagClipPipeline implements TaggingPipeline {

    /** Method name carried into every result's provenance. */
    public static final String METHOD = "tagclip";

    /** Vision layers of ViT-B/16 (the reference hard-codes the last-layer index 11); sizes the attention budget. */
    private static final int VISION_LAYERS = 12;

    private final TextTable.NameEmbedder embedder;
    private final String modelId;
    private final String modelRevision;
    private final Vocabularies vocabularies;
    private final PipelineSettings settings;
    private final TagClipTagger tagger;
    private final NDManager textManager;
    private final Map<String, NDArray> textFeatures = new ConcurrentHashMap<>();
    private final Object inference = new Object();

    /**
     * @param backbone      the CLIP forwards
     * @param embedder      prompt-ensemble text embedder of the same model
     * @param modelId       model identifier for provenance
     * @param modelRevision model revision (weights hash or hub commit) for provenance
     * @param vocabularies  vocabularies requests may name; must contain the settings' default
     * @param settings      parameters, decision rule, boxes and mode
     * @param textManager   owner of the cached text features, on the model's device (closed by {@link #close()})
     */
    public TagClipPipeline(TagClipBackbone backbone, TextTable.NameEmbedder embedder, String modelId,
            String modelRevision, Vocabularies vocabularies, PipelineSettings settings, NDManager textManager) {
        Objects.requireNonNull(backbone, "backbone");
        this.embedder = Objects.requireNonNull(embedder, "embedder");
        this.modelId = Objects.requireNonNull(modelId, "modelId");
        this.modelRevision = Objects.requireNonNull(modelRevision, "modelRevision");
        this.vocabularies = Objects.requireNonNull(vocabularies, "vocabularies");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.textManager = Objects.requireNonNull(textManager, "textManager");
        vocabularies.get(settings.defaultVocabulary());
        this.tagger = new TagClipTagger(backbone, settings.params());
    }

    /**
     * A pipeline on a loaded CLIP model: its vision forwards, its prompt-ensemble text features (kept in a manager on
     * the model's device), its id and revision. The caller keeps ownership of {@code model} and closes it after the
     * pipeline.
     */
    public static TagClipPipeline forModel(ClipModel model, Vocabularies vocabularies, PipelineSettings settings) {
        return new TagClipPipeline(new ClipModelBackbone(model),
                (names, manager) -> PromptEnsemble.embed(model, names, manager),
                model.modelId(), model.revision(), vocabularies, settings, NDManager.newBaseManager(model.device()));
    }

    @Override
    public List<TagResult> tag(List<ImageRequest> requests) {
        Objects.requireNonNull(requests, "requests");
        synchronized (inference) {
            long start = System.nanoTime();
            Job[] jobs = new Job[requests.size()];
            for (int i = 0; i < jobs.length; i++) {
                jobs[i] = prepare(requests.get(i));
            }
            List<Job> runnable = Arrays.stream(jobs).filter(j -> j.failure == null).toList();
            if (settings.mode() == PipelineSettings.Mode.REFERENCE) {
                runnable.forEach(this::scoreAlone);
            } else {
                scoreTogether(runnable);
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            List<TagResult> results = new ArrayList<>(jobs.length);
            for (Job job : jobs) {
                results.add(job.failure != null ? job.failure : tagged(job, millis));
            }
            return List.copyOf(results);
        }
    }

    /** Tags one small image so that the first real batch does not pay for text features and warm-up. */
    @Override
    public void warmUp() {
        byte[] grey = new byte[32 * 32 * 3];
        Arrays.fill(grey, (byte) 128);
        tag(List.of(ImageRequest.of("warm-up", new RgbImage(32, 32, grey))));
    }

    @Override
    public void close() {
        textManager.close();
    }

    /** One request on its way through a batch. */
    private static final class Job {
        final ImageRequest request;
        RequestScope scope;
        NDArray text;
        ClipImage image;
        TagClipTagger.Local local;
        TagClipOutput output;
        TagResult.Failed failure;

        Job(ImageRequest request) {
            this.request = request;
        }
    }

    private Job prepare(ImageRequest request) {
        Job job = new Job(request);
        try {
            job.scope = RequestScope.of(request, vocabularies, settings.defaultVocabulary());
        } catch (RequestScope.Rejected e) {
            job.failure = e.failure(request.id());
            return job;
        }
        try {
            job.text = textFeatures(job.scope.vocabulary());
            RgbImage rgb = request.image();
            if (settings.mode() == PipelineSettings.Mode.REFERENCE) {
                job.image = ClipTransform.reference(rgb, settings.params().patchSize());
            } else {
                ShapeBuckets.Size size = ShapeBuckets.target(rgb.width(), rgb.height(), settings.batching());
                job.image = ClipTransform.toSize(rgb, size.width(), size.height());
            }
        } catch (RuntimeException e) {
            fail(job, e);
        }
        return job;
    }

    /** Reference mode: the image alone, crops one by one. */
    private void scoreAlone(Job job) {
        try (NDManager manager = textManager.newSubManager()) {
            job.output = tagger.score(job.image, job.text, job.scope.vocabulary().numClasses(), false, manager);
        } catch (RuntimeException e) {
            fail(job, e);
        }
    }

    /** Throughput mode: shared first passes per shape bucket, then all crops of the batch pooled. */
    private void scoreTogether(List<Job> jobs) {
        List<List<Integer>> buckets = ShapeBuckets.group(jobs, j -> List.of(j.image.width(), j.image.height()));
        for (List<Integer> bucket : buckets) {
            List<Job> members = bucket.stream().map(jobs::get).toList();
            ClipImage shape = members.get(0).image;
            int perForward = settings.batching().imagesPerForward(shape.width(), shape.height(),
                    settings.params().patchSize(), VISION_LAYERS);
            for (List<Job> chunk : ShapeBuckets.chunks(members, perForward)) {
                if (!firstPass(chunk) && chunk.size() > 1) {
                    chunk.forEach(job -> firstPass(List.of(job)));
                }
            }
        }
        List<Job> withLocal = jobs.stream().filter(j -> j.failure == null).toList();
        if (!crops(withLocal) && withLocal.size() > 1) {
            withLocal.forEach(job -> crops(List.of(job)));
        }
    }

    /** Runs one shared first pass; on failure marks single images failed and returns false. */
    private boolean firstPass(List<Job> chunk) {
        int[] classes = chunk.stream().mapToInt(j -> j.scope.vocabulary().numClasses()).toArray();
        try (NDManager manager = textManager.newSubManager()) {
            List<TagClipTagger.Local> locals = tagger.firstPass(chunk.stream().map(j -> j.image).toList(),
                    chunk.stream().map(j -> j.text).toList(), classes, false, manager);
            for (int i = 0; i < chunk.size(); i++) {
                chunk.get(i).local = locals.get(i);
            }
            return true;
        } catch (RuntimeException e) {
            if (chunk.size() == 1) {
                fail(chunk.get(0), e);
            }
            return false;
        }
    }

    /** Runs the crops of {@code jobs} in shared forwards and fuses; on failure of a single image marks it failed. */
    private boolean crops(List<Job> jobs) {
        List<TagClipTagger.CropJob> cropJobs = new ArrayList<>();
        for (Job job : jobs) {
            for (ClassWiseReidentifier.Crop crop : job.local.plan().crops()) {
                cropJobs.add(new TagClipTagger.CropJob(job.image, crop, job.text));
            }
        }
        try (NDManager manager = textManager.newSubManager()) {
            List<float[]> probabilities =
                    tagger.cropProbabilities(cropJobs, settings.batching().maxCropsPerForward(), manager);
            int next = 0;
            for (Job job : jobs) {
                int n = job.local.plan().crops().size();
                job.output = tagger.finish(job.local, probabilities.subList(next, next + n));
                next += n;
            }
            return true;
        } catch (RuntimeException e) {
            if (jobs.size() == 1) {
                fail(jobs.get(0), e);
            }
            return false;
        }
    }

    private void fail(Job job, RuntimeException e) {
        RgbImage image = job.request.image();
        job.failure = new TagResult.Failed(job.request.id(), FailureKind.INFERENCE_FAILED,
                "image '" + job.request.id() + "' (" + image.width() + "x" + image.height() + "): " + e);
    }

    private TagResult.Tagged tagged(Job job, long millis) {
        Vocabulary vocabulary = job.scope.vocabulary();
        TagResult.Provenance provenance = new TagResult.Provenance(METHOD, modelId, modelRevision, vocabulary.id(),
                vocabulary.version(), settings.paramsVersion());
        return job.scope.tagged(job.request.id(), job.output.scores(), settings,
                c -> settings.boxes() ? box(job.output.classBoxes().get(c), job.image, settings.params().patchSize())
                        : null,
                provenance, millis);
    }

    private NDArray textFeatures(Vocabulary vocabulary) {
        return textFeatures.computeIfAbsent(vocabulary.id() + "@" + vocabulary.version(),
                key -> TextTable.build(vocabulary, embedder, textManager));
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
