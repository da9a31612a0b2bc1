package io.tagclip.inference;

import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.Method;
import io.tagclip.pipeline.FailureKind;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.image.RgbImage;

import ai.djl.ndarray.NDManager;
import io.tagclip.batch.ShapeBuckets;
import io.tagclip.vocab.ContentHash;
import io.tagclip.baseline.ImageBatchScorer;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link TaggingPipeline} over a whole-image baseline ({@code clip-global}, {@code cdul-global-local}): the scorer
 * gives each image one score per dataset class, and the same decision rule as TagCLIP's turns scores into tags
 * (relative threshold, per-label thresholds, floor, top-k, label subset). Baselines locate nothing, so tags carry no
 * box.
 *
 * <p>Images of one vocabulary are scored in chunks of {@link io.tagclip.batch.BatchingPolicy#maxImagesPerForward()};
 * when a chunk fails, its images are retried one by one so that only an image that fails alone is reported failed.
 * A vocabulary's scorer (its text features) is built on first use and kept until {@link #close()}. Thread-safe:
 * inference runs one batch at a time.
 */
public final class ScorerPipeline implements TaggingPipeline {

    /** Builds the scorer of one vocabulary; its text features are owned by {@code manager}. */
    @FunctionalInterface
    public interface ScorerFactory {
        ImageBatchScorer create(Vocabulary vocabulary, NDManager manager);
    }

    private final Method method;
    private final ScorerFactory factory;
    private final String modelId;
    private final String modelRevision;
    private final Vocabularies vocabularies;
    private final PipelineSettings settings;
    private final String paramsVersion;
    private final NDManager manager;
    private final Map<String, ImageBatchScorer> scorers = new ConcurrentHashMap<>();
    private final Object inference = new Object();

    /**
     * @param method          the baseline, carried into provenance
     * @param factory         builds the scorer of a vocabulary
     * @param modelId         model identifier for provenance
     * @param modelRevision   model revision for provenance
     * @param vocabularies    vocabularies requests may name; must contain the settings' default
     * @param settings        default vocabulary, decision rule ({@code params} supplies the relative tag threshold and
     *                        the at-least-one rule) and chunk size; boxes and mode do not apply
     * @param methodVersion   version of the scorer's own parameters (e.g. {@code CdulParams.version()})
     * @param manager         owner of the cached text features (closed by {@link #close()})
     */
    public ScorerPipeline(Method method, ScorerFactory factory, String modelId, String modelRevision,
            Vocabularies vocabularies, PipelineSettings settings, String methodVersion, NDManager manager) {
        this.method = Objects.requireNonNull(method, "method");
        this.factory = Objects.requireNonNull(factory, "factory");
        this.modelId = Objects.requireNonNull(modelId, "modelId");
        this.modelRevision = Objects.requireNonNull(modelRevision, "modelRevision");
        this.vocabularies = Objects.requireNonNull(vocabularies, "vocabularies");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.manager = Objects.requireNonNull(manager, "manager");
        if (method == Method.TAGCLIP) {
            throw new IllegalArgumentException("method " + method + " runs in TagClipPipeline, not ScorerPipeline");
        }
        vocabularies.get(settings.defaultVocabulary());
        this.paramsVersion = ContentHash.of(method + "|" + methodVersion + "|relative="
                + settings.params().tagRelativeThreshold() + "|atLeastOne=" + settings.params().atLeastOneTag()
                + "|" + settings.decision());
    }

    @Override
    public List<TagResult> tag(List<ImageRequest> requests) {
        Objects.requireNonNull(requests, "requests");
        synchronized (inference) {
            long start = System.nanoTime();
            List<Job> jobs = requests.stream().map(this::prepare).toList();
            List<Job> runnable = jobs.stream().filter(j -> j.failure == null).toList();
            List<List<Integer>> byVocabulary = ShapeBuckets.group(runnable, j -> j.scope.vocabulary().id());
            for (List<Integer> group : byVocabulary) {
                List<Job> members = group.stream().map(runnable::get).toList();
                for (List<Job> chunk : ShapeBuckets.chunks(members, settings.batching().maxImagesPerForward())) {
                    if (!score(chunk) && chunk.size() > 1) {
                        chunk.forEach(job -> score(List.of(job)));
                    }
                }
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            List<TagResult> results = new ArrayList<>(jobs.size());
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
        java.util.Arrays.fill(grey, (byte) 128);
        tag(List.of(ImageRequest.of("warm-up", new RgbImage(32, 32, grey))));
    }

    @Override
    public void close() {
        manager.close();
    }

    /** One request on its way through a batch. */
    private static final class Job {
        final ImageRequest request;
        RequestScope scope;
        float[] scores;
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
        }
        return job;
    }

    /** Scores one chunk of same-vocabulary jobs; on failure marks a single image failed and returns false. */
    private boolean score(List<Job> chunk) {
        try (NDManager batch = manager.newSubManager()) {
            ImageBatchScorer scorer = scorer(chunk.get(0).scope.vocabulary());
            int c = scorer.numClasses();
            float[] flat = scorer.score(chunk.stream().map(j -> j.request.image()).toList(), batch)
                    .toFloatArray(); // [B,C] row-major
            for (int i = 0; i < chunk.size(); i++) {
                chunk.get(i).scores = java.util.Arrays.copyOfRange(flat, i * c, (i + 1) * c);
            }
            return true;
        } catch (RuntimeException e) {
            if (chunk.size() == 1) {
                Job job = chunk.get(0);
                RgbImage image = job.request.image();
                job.failure = new TagResult.Failed(job.request.id(), FailureKind.INFERENCE_FAILED,
                        "image '" + job.request.id() + "' (" + image.width() + "x" + image.height() + "): " + e);
            }
            return false;
        }
    }

    private ImageBatchScorer scorer(Vocabulary vocabulary) {
        return scorers.computeIfAbsent(vocabulary.id() + "@" + vocabulary.version(),
                key -> factory.create(vocabulary, manager));
    }

    private TagResult.Tagged tagged(Job job, long millis) {
        Vocabulary vocabulary = job.scope.vocabulary();
        TagResult.Provenance provenance = new TagResult.Provenance(method.id(), modelId, modelRevision,
                vocabulary.id(), vocabulary.version(), paramsVersion);
        return job.scope.tagged(job.request.id(), job.scores, settings, c -> null, provenance, millis);
    }
}
