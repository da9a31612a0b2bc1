package io.tagclip.cli;

import io.tagclip.batch.BatchingPolicy;
import io.tagclip.cdul.TrainedHead;
import io.tagclip.clip.ClipLoader;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.ClipOptions;
import io.tagclip.clip.ModelSource;
import io.tagclip.clip.PromptEnsemble;
import io.tagclip.clip.TextProgress;
import io.tagclip.hub.DownloadListener;
import io.tagclip.hub.HubOptions;
import io.tagclip.hub.ModelLocator;
import io.tagclip.inference.FirstPassBudget;
import io.tagclip.inference.NativeAllocator;
import io.tagclip.inference.NativeThreads;
import io.tagclip.inference.PipelineSettings;
import io.tagclip.inference.Pipelines;
import io.tagclip.pipeline.Method;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.tagging.DecisionOptions;
import io.tagclip.tagging.TagClipParams;
import io.tagclip.vocab.TextFeatureCache;
import io.tagclip.vocab.TextTable;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Objects;
import picocli.CommandLine.Option;

/** Which model, vocabulary, method and mode a command runs; shared by {@code tag} and {@code eval}. */
final class ModelOptions {

    /** Loads the model a command runs on. */
    @FunctionalInterface
    interface Loader {
        /**
         * The model of {@code source}, with an embedder that tells {@code progress} how far a build has come; the
         * caller closes it when {@link Loaded#owned()}.
         */
        Loaded load(ModelSource source, TextProgress progress);
    }

    /**
     * A model, the prompt-ensemble embedder to use with it, and whether the command owns (and closes) it.
     */
    record Loaded(ClipModel model, TextTable.NameEmbedder ensemble, boolean owned) {}

    /** Loads the folder afresh for every command, on the GPU when there is one, in float32. */
    static final Loader FRESH = (source, progress) -> {
        NativeThreads.configure();
        ClipModel model = ClipLoader.load(source, ClipOptions.defaults());
        return new Loaded(model, Pipelines.promptEnsemble(model, progress), true);
    };

    private final Loader loader;
    private final Path defaultTextCache;

    ModelOptions() {
        this(FRESH, TextFeatureCache.defaultDirectory());
    }

    /**
     * @param loader           loads the model
     * @param defaultTextCache text-feature cache directory when {@code --text-cache-dir} is not given
     */
    ModelOptions(Loader loader, Path defaultTextCache) {
        this.loader = Objects.requireNonNull(loader, "loader");
        this.defaultTextCache = Objects.requireNonNull(defaultTextCache, "defaultTextCache");
    }

    @Option(
            names = "--model",
            required = true,
            paramLabel = "DIR_FILE_OR_ID",
            description = "Hugging Face CLIP folder (config.json, model.safetensors or pytorch_model.bin, vocab.json "
                    + "+ merges.txt or tokenizer.json; a hub cache snapshot folder works too), a checkpoint file "
                    + "(OpenAI's ViT-B-16.pt, an open_clip .pt/.bin, a .safetensors), or a hub model id such as "
                    + "openai/clip-vit-base-patch16, downloaded once into the Hugging Face cache "
                    + "(~/.cache/huggingface/hub; HF_HOME, HF_HUB_CACHE, HF_ENDPOINT, HF_HUB_OFFLINE, HF_TOKEN).")
    String model;

    @Option(
            names = "--revision",
            defaultValue = HubOptions.DEFAULT_REVISION,
            paramLabel = "REV",
            description = "Hub branch, tag or commit of a model id (default: ${DEFAULT-VALUE}).")
    String revision;

    @Option(names = "--offline", description = "Never download: a model id must already be in the cache.")
    boolean offline;

    @Option(
            names = "--text-cache-dir",
            paramLabel = "DIR",
            description = "Where text features are kept between runs, keyed by model revision, dtype, prompt "
                    + "ensemble and vocabulary names (default: ~/.cache/tagclip/text-features).")
    Path textCacheDir;

    @Option(
            names = "--vocab",
            required = true,
            paramLabel = "voc2007|coco2014|FILE",
            description = "Built-in vocabulary id, or a vocabulary file (one label per line, see README).")
    String vocabulary;

    @Option(
            names = "--method",
            defaultValue = "tagclip",
            paramLabel = "METHOD",
            description = "tagclip, clip-global, cdul-global-local or cdul (a trained head, see --head) (default: "
                    + "${DEFAULT-VALUE}).")
    String method;

    @Option(
            names = "--head",
            paramLabel = "HEAD_DIR",
            description = "With --method cdul: the head folder written by 'tagclip train --method cdul'.")
    Path head;

    @Option(
            names = "--mode",
            defaultValue = "throughput",
            paramLabel = "throughput|reference",
            description = "TagCLIP sizing: throughput (images up to a 768-pixel long side at the reference's size, "
                    + "larger ones scaled down to it; batched forwards) or reference (the official code's exact "
                    + "behaviour at every size, for parity work) (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(
            names = "--max-first-pass-bytes",
            defaultValue = "50%",
            paramLabel = "BYTES|PERCENT",
            description = "Memory one first pass (and the Grad-CAM pass of --masks) may take, estimated before it "
                    + "runs: bytes, or a percentage of what the device leaves for tensors (memory less the max heap "
                    + "on the CPU, the GPU's memory on a GPU); a larger image is refused as too large "
                    + "(default: ${DEFAULT-VALUE}).")
    String maxFirstPassBytes;

    @Option(
            names = "--coarse-buckets",
            description = "Throughput mode: shrink to a 512 long side in 32-pixel steps (fuller batches, more drift) "
                    + "instead of keeping sizes up to 768 in 16-pixel steps.")
    boolean coarse;

    @Option(
            names = "--batch",
            defaultValue = "8",
            paramLabel = "N",
            description = "Images per pipeline call and, in throughput mode, per forward (default: ${DEFAULT-VALUE}).")
    int batch;

    /**
     * Refuses, naming the option, a {@code --model} or {@code --vocab} that is meant as a path and does not exist, and
     * a {@code --head} that does not exist; a name (a hub id, a built-in vocabulary) is resolved later.
     */
    void checkPaths() {
        PathOptions.existsIfPath("--model", model);
        PathOptions.existsIfPath("--vocab", vocabulary);
        PathOptions.exists("--head", head);
    }

    /** The chosen method, or an error naming the bad value. */
    Method method() {
        return Method.of(method);
    }

    PipelineSettings.Mode mode() {
        return PipelineSettings.Mode.of(mode);
    }

    /** The first-pass memory budget, or an error naming the option and the bad value. */
    FirstPassBudget firstPassBudget() {
        try {
            return FirstPassBudget.parse(maxFirstPassBytes);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--max-first-pass-bytes " + e.getMessage(), e);
        }
    }

    int batch() {
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        }
        return batch;
    }

    /**
     * {@link #open} at the reference's parameters and tag rule, without boxes: what the eval commands score, so that
     * their numbers are the official code's.
     */
    Session openReference(PrintWriter err, Progress.Style style) {
        return open(TagClipParams.REFERENCE, DecisionOptions.REFERENCE, false, err, style);
    }

    /**
     * Loads everything a command needs. Arguments are checked before the model is loaded, so a typo fails fast.
     *
     * @param params   the algorithm's constants (the tag threshold may differ from the reference's)
     * @param decision additions to the tag rule
     * @param boxes    whether tags carry boxes (TagCLIP only)
     * @param err      where a hub download and a first build of text features report their progress and warnings
     * @param style    how that progress is shown
     */
    Session open(TagClipParams params, DecisionOptions decision, boolean boxes, PrintWriter err, Progress.Style style) {
        checkPaths();
        Method chosen = method();
        if (chosen == Method.CDUL && head == null) {
            throw new IllegalArgumentException(
                    "--method cdul needs --head HEAD_DIR (train one with 'tagclip train " + "--method cdul')");
        }
        if (chosen != Method.CDUL && head != null) {
            throw new IllegalArgumentException("--head applies to --method cdul only, not " + chosen);
        }
        TrainedHead trained = head == null ? null : TrainedHead.load(head);
        Prepared prepared = prepare(params, decision, boxes, err, style);
        try {
            TaggingPipeline pipeline = trained != null
                    ? Pipelines.cdul(prepared.loaded().model(), trained, prepared.vocabularies(), prepared.settings())
                    : Pipelines.open(
                            prepared.loaded().model(),
                            prepared.ensemble(),
                            chosen,
                            prepared.vocabularies(),
                            prepared.settings());
            return new Session(prepared.loaded(), pipeline, prepared.vocabulary(), chosen, prepared.settings());
        } catch (RuntimeException e) {
            prepared.close();
            throw e;
        }
    }

    /**
     * A loaded model with its cached prompt-ensemble embedder, vocabularies and settings, before any pipeline;
     * closing closes the model when the command owns it.
     */
    record Prepared(
            Loaded loaded,
            TextTable.NameEmbedder ensemble,
            Vocabularies vocabularies,
            Vocabulary vocabulary,
            PipelineSettings settings)
            implements AutoCloseable {
        @Override
        public void close() {
            if (loaded.owned()) {
                loaded.model().close();
            }
        }
    }

    /** Loads the model and resolves everything but the pipeline (see {@link #open}). */
    Prepared prepare(
            TagClipParams params, DecisionOptions decision, boolean boxes, PrintWriter err, Progress.Style style) {
        checkPaths();
        PipelineSettings.Mode sizing = mode();
        FirstPassBudget budget = firstPassBudget();
        int perCall = batch();
        Vocabularies.Resolved resolved = Vocabularies.builtIn().resolve(vocabulary);
        Vocabularies vocabularies = resolved.all();
        Vocabulary vocab = resolved.named();
        BatchingPolicy batching =
                (coarse ? BatchingPolicy.COARSE : BatchingPolicy.DEFAULT).withMaxImagesPerForward(perCall);
        PipelineSettings settings = PipelineSettings.reference(vocab.id())
                .withParams(params)
                .withDecision(decision)
                .withBoxes(boxes)
                .withMode(sizing)
                .withBatching(batching)
                .withFirstPassBudget(budget);
        TextFeatureReport report = new TextFeatureReport(err, style);
        Loaded loaded = loader.load(locateModel(downloadProgress(err, style)), report);
        try {
            TextFeatureCache cache =
                    new TextFeatureCache(textCacheDir != null ? textCacheDir : defaultTextCache, report);
            TextTable.NameEmbedder ensemble = cache.cached(
                    loaded.ensemble(), TextFeatureCache.Key.of(loaded.model(), PromptEnsemble.definition()));
            boolean accelerator = loaded.model().device().isGpu();
            NativeAllocator.warning(loaded.model().device()).ifPresent(w -> err.println("warning: " + w));
            NativeThreads.warning(loaded.model().device()).ifPresent(w -> err.println("warning: " + w));
            return new Prepared(
                    loaded,
                    ensemble,
                    vocabularies,
                    vocab,
                    settings.withBatching(settings.batching().forDevice(accelerator)));
        } catch (RuntimeException e) {
            if (loaded.owned()) {
                loaded.model().close();
            }
            throw e;
        }
    }

    private ModelSource locateModel(DownloadListener progress) {
        HubOptions hub = HubOptions.defaults();
        hub = hub.withRevision(revision).withOffline(offline || hub.offline());
        return new ModelLocator(hub, progress).locate(model);
    }

    /** Shows download progress on stderr: one {@link Progress} per file, in bytes. */
    static DownloadListener downloadProgress(PrintWriter err, Progress.Style style) {
        Progress[] file = new Progress[1];
        return progress -> {
            if (file[0] == null) {
                file[0] = new Progress(
                        "tagclip: downloading " + progress.modelId() + " " + progress.file(),
                        "bytes",
                        progress.bytesTotal(),
                        err,
                        style);
            }
            file[0].update(progress.bytesDone(), progress.bytesTotal());
            if (progress.done()) {
                file[0].close();
                file[0] = null;
            }
        };
    }

    /** A loaded model and its pipeline; closing closes the pipeline, and the model when the command owns it. */
    record Session(
            Loaded loaded, TaggingPipeline pipeline, Vocabulary vocabulary, Method method, PipelineSettings settings)
            implements AutoCloseable {

        ClipModel model() {
            return loaded.model();
        }

        PipelineSettings.Mode mode() {
            return settings.mode();
        }

        /** {@code pipeline()} followed by masks for every tag, within the same first-pass budget. */
        TaggingPipeline withMasks(Vocabularies vocabularies) {
            return Pipelines.withMasks(pipeline, model(), vocabularies, settings.firstPassBudget());
        }

        @Override
        public void close() {
            try {
                pipeline.close();
            } finally {
                if (loaded.owned()) {
                    loaded.model().close();
                }
            }
        }
    }
}
