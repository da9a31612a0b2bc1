package io.tagclip.inference;

import ai.djl.ndarray.NDManager;
import io.tagclip.batch.FirstPassTooLarge;
import io.tagclip.image.RgbImage;
import io.tagclip.pipeline.Box;
import io.tagclip.pipeline.FailureKind;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.Method;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one batch loop every tagging method runs in. For each call it checks every request against its vocabulary
 * and label subset ({@link RequestScope}), lets the method prepare each image, lets the method score the prepared
 * images, and turns the scores into results with the decision rule and the provenance of the method.
 *
 * <p>The retry rule lives here and only here: work that several images share (a forward) runs through
 * {@link Forwards#together}; when it throws, each of its images runs again alone, so only an image that fails alone
 * is reported failed ({@link FailureKind#INFERENCE_FAILED}, two attempts), never its batch-mates. Because a method
 * computes every image's scores from its own tensors only, the retry does not change anyone's result. An image the
 * method refuses while preparing it because its forward would not fit the memory budget ({@link FirstPassTooLarge})
 * is reported {@link FailureKind#TOO_LARGE} and never reaches a forward.
 *
 * <p>A vocabulary's text side (text features, or a scorer holding them) is built by {@link #addVocabulary} or on
 * first use by {@link #textSide}, and kept until {@link #close()} (a few hundred kilobytes per vocabulary version). Thread-safe: inference runs one batch at a time.
 *
 * @param <T> the text side of one vocabulary
 * @param <S> one image's state while the method works on it
 */
public final class BatchRunner<T, S> implements TaggingPipeline {

    /** Side of the grey image {@link #warmUp()} tags. */
    private static final int WARM_UP_SIDE = 32;

    /** Grey level of that image (mid-range, so no step sees an all-zero input). */
    private static final byte WARM_UP_GREY = (byte) 128;

    /** What a tagging method contributes to the runner. */
    public interface Scoring<T, S> {

        /** Which method this is; carried into every result's provenance. */
        Method method();

        /** Version of everything that changes this method's scores or tags, carried into provenance. */
        String paramsVersion();

        /** Builds the text side of {@code vocabulary}; it lives in {@code manager}, which outlives it. */
        T textSide(Vocabulary vocabulary, NDManager manager);

        /**
         * The text side of {@code extended}: the vocabulary of {@code base} with {@code extras} appended as dataset
         * classes after its own (open vocabulary), built in {@code scope}, which lives for one call.
         *
         * @throws RequestScope.Rejected when this method scores only its vocabularies' labels (the default)
         */
        default T extend(T base, Vocabulary extended, List<String> extras, NDManager scope) {
            throw new RequestScope.Rejected(
                    FailureKind.UNKNOWN_LABEL,
                    "method " + method().id() + " scores only the labels of its vocabularies: extra labels " + extras
                            + " need method tagclip");
        }

        /** Whether {@link #extend} would find the features of every name of {@code extras} made already. */
        default boolean extrasReady(List<String> extras) {
            return true;
        }

        /**
         * Makes the features of {@code extras} ahead of the calls that name them (slow; any thread), with temporaries
         * in a scope under {@code manager}.
         */
        default void prepareExtras(List<String> extras, NDManager manager) {}

        /** One image's state before any forward (e.g. its resized pixels); throwing fails the image alone. */
        S prepare(ImageRequest request, Vocabulary vocabulary, T text);

        /**
         * Scores every job, running the work images share through {@code forwards}. Jobs whose shared work failed
         * are skipped by later {@link Forwards#together} calls.
         */
        void score(List<Job<S>> jobs, Forwards<S> forwards);

        /** The final scores of a scored image, one per dataset class of its vocabulary. */
        float[] scores(S state);

        /** The box of class {@code c} of a scored image, or {@code null} (also when boxes are off). */
        Box box(S state, int c);
    }

    /** Work several images share, on states, with a native-memory scope that is closed when the work ends. */
    @FunctionalInterface
    public interface Step<S> {
        void run(List<S> states, NDManager scope);
    }

    /** Runs shared work with the retry rule; handed to {@link Scoring#score}. */
    @FunctionalInterface
    public interface Forwards<S> {
        /**
         * Runs {@code step} once over the jobs of {@code jobs} that have not failed; if it throws, once per job
         * alone, and a job that fails alone is failed with that error.
         */
        void together(List<Job<S>> jobs, Step<S> step);
    }

    /** One request on its way through a call. */
    public static final class Job<S> {

        private final ImageRequest request;
        private RequestScope scope;
        private S state;
        private TagResult.Failed failure;

        private Job(ImageRequest request) {
            this.request = request;
        }

        /** The vocabulary the request is tagged with. */
        public Vocabulary vocabulary() {
            return scope.vocabulary();
        }

        /** What the method keeps for this image. */
        public S state() {
            return state;
        }

        boolean failed() {
            return failure != null;
        }
    }

    private final Scoring<T, S> scoring;
    private final String modelId;
    private final String modelRevision;
    private final Vocabularies vocabularies;
    private final PipelineSettings settings;
    private final NDManager manager;
    private final Map<String, T> textSides = new ConcurrentHashMap<>();
    private final Object inference = new Object();

    /**
     * @param scoring       the method
     * @param modelId       model identifier for provenance
     * @param modelRevision model revision (weights hash or hub commit) for provenance
     * @param vocabularies  vocabularies requests may name; must contain the settings' default
     * @param settings      default vocabulary and decision rule (and what else the method reads)
     * @param manager       owner of the cached text sides and parent of every call's scopes, on the model's device
     *                      (closed by {@link #close()})
     */
    public BatchRunner(
            Scoring<T, S> scoring,
            String modelId,
            String modelRevision,
            Vocabularies vocabularies,
            PipelineSettings settings,
            NDManager manager) {
        this.scoring = Objects.requireNonNull(scoring, "scoring");
        this.modelId = Objects.requireNonNull(modelId, "modelId");
        this.modelRevision = Objects.requireNonNull(modelRevision, "modelRevision");
        this.vocabularies = Objects.requireNonNull(vocabularies, "vocabularies");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.manager = Objects.requireNonNull(manager, "manager");
        vocabularies.get(settings.defaultVocabulary());
    }

    @Override
    public List<TagResult> tag(List<ImageRequest> requests) {
        Objects.requireNonNull(requests, "requests");
        synchronized (inference) {
            long start = System.nanoTime();
            try (NDManager call = manager.newSubManager()) {
                List<Job<S>> jobs = requests.stream().map(r -> prepare(r, call)).toList();
                scoring.score(jobs.stream().filter(job -> !job.failed()).toList(), this::together);
                return results(jobs, (System.nanoTime() - start) / 1_000_000);
            }
        }
    }

    private List<TagResult> results(List<Job<S>> jobs, long millis) {
        List<TagResult> results = new ArrayList<>(jobs.size());
        for (Job<S> job : jobs) {
            results.add(job.failed() ? job.failure : tagged(job, millis));
        }
        return List.copyOf(results);
    }

    @Override
    public void addVocabulary(Vocabulary vocabulary) {
        String key = textKey(vocabulary);
        if (!textSides.containsKey(key)) {
            // Built outside the inference lock: tag calls go on while a new vocabulary is embedded.
            textSides.putIfAbsent(key, scoring.textSide(vocabulary, manager));
        }
        vocabularies.put(vocabulary);
    }

    @Override
    public boolean removeVocabulary(String id) {
        return vocabularies.remove(id);
    }

    /** Tags one small image so that the first real batch does not pay for text features and warm-up. */
    @Override
    public void warmUp() {
        byte[] grey = new byte[WARM_UP_SIDE * WARM_UP_SIDE * 3];
        Arrays.fill(grey, WARM_UP_GREY);
        tag(List.of(ImageRequest.of("warm-up", new RgbImage(WARM_UP_SIDE, WARM_UP_SIDE, grey))));
    }

    @Override
    public void close() {
        manager.close();
    }

    /** Whether the text features of these extra labels are made (so that no call embeds them). */
    @Override
    public boolean extraLabelsReady(List<String> extraLabels) {
        return scoring.extrasReady(extraLabels);
    }

    @Override
    public void prepareExtraLabels(List<String> extraLabels) {
        scoring.prepareExtras(extraLabels, manager);
    }

    /** A request's job: its scope and its state, or why it fails; extended text sides live in {@code call}. */
    private Job<S> prepare(ImageRequest request, NDManager call) {
        Job<S> job = new Job<>(request);
        try {
            job.scope = RequestScope.of(request, vocabularies, settings.defaultVocabulary());
            Vocabulary vocabulary = job.scope.vocabulary();
            T text = job.scope.extras().isEmpty()
                    ? textSide(vocabulary)
                    : scoring.extend(textSide(job.scope.base()), vocabulary, job.scope.extras(), call);
            job.state = scoring.prepare(request, vocabulary, text);
        } catch (RequestScope.Rejected e) {
            job.failure = e.failure(request.id());
        } catch (RuntimeException e) {
            fail(job, e, 1);
        }
        return job;
    }

    /** The text side of {@code vocabulary}, built once per vocabulary id and content version. */
    private T textSide(Vocabulary vocabulary) {
        return textSides.computeIfAbsent(textKey(vocabulary), key -> scoring.textSide(vocabulary, manager));
    }

    private static String textKey(Vocabulary vocabulary) {
        return vocabulary.id() + "@" + vocabulary.version();
    }

    /** The retry rule: together first, then each image alone; only an image that fails alone fails. */
    private void together(List<Job<S>> jobs, Step<S> step) {
        List<Job<S>> live = jobs.stream().filter(job -> !job.failed()).toList();
        if (live.isEmpty()) {
            return;
        }
        RuntimeException shared = attempt(live, step);
        if (shared == null) {
            return;
        }
        if (live.size() == 1) {
            fail(live.get(0), shared, 1);
            return;
        }
        for (Job<S> job : live) {
            RuntimeException alone = attempt(List.of(job), step);
            if (alone != null) {
                fail(job, alone, 2);
            }
        }
    }

    /** Runs {@code step} on {@code jobs} in a scope of its own; the error it threw, or {@code null}. */
    private RuntimeException attempt(List<Job<S>> jobs, Step<S> step) {
        try (NDManager scope = manager.newSubManager()) {
            step.run(jobs.stream().map(Job::state).toList(), scope);
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    private static void fail(Job<?> job, RuntimeException e, int attempts) {
        RgbImage image = job.request.image();
        String which = "image '" + job.request.id() + "' (" + image.width() + "x" + image.height() + "): ";
        job.failure = e instanceof FirstPassTooLarge
                ? new TagResult.Failed(job.request.id(), FailureKind.TOO_LARGE, which + e.getMessage(), attempts)
                : new TagResult.Failed(job.request.id(), FailureKind.INFERENCE_FAILED, which + e, attempts);
    }

    private TagResult.Tagged tagged(Job<S> job, long millis) {
        Vocabulary vocabulary = job.scope.base(); // results name the vocabulary the request named, not its extension
        TagResult.Provenance provenance = new TagResult.Provenance(
                scoring.method().id(),
                modelId,
                modelRevision,
                vocabulary.id(),
                vocabulary.version(),
                scoring.paramsVersion());
        return job.scope.tagged(
                job.request.id(),
                scoring.scores(job.state),
                settings,
                c -> scoring.box(job.state, c),
                provenance,
                millis);
    }
}
