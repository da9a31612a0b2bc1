package io.tagclip.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.tagclip.preprocess.ClipImage;
import io.tagclip.preprocess.ClipTransform;
import io.tagclip.tagclip.AttentionRefiner;
import io.tagclip.tagclip.PatchBox;
import io.tagclip.tagclip.TagClipBackbone;
import io.tagclip.tagclip.TagClipOutput;
import io.tagclip.tagclip.TagClipTagger;
import io.tagclip.tagclip.TagDecision;
import io.tagclip.tagclip.TextTable;
import io.tagclip.tagclip.Vocabularies;
import io.tagclip.tagclip.Vocabulary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link TaggingPipeline} running TagCLIP in reference mode: each image of a batch goes through the reference steps
 * on its own (first pass at its own size rounded up to multiples of 16, one forward per CWR crop), so results never
 * depend on batch-mates. Text features are computed once per vocabulary (id and content version) on first use and
 * kept until {@link #close()}.
 *
 * <p>Thread-safe: inference runs one batch at a time.
 */
public final class TagClipPipeline implements TaggingPipeline {

    /** Method name carried into every result's provenance. */
    public static final String METHOD = "tagclip";

    private final TagClipBackbone backbone;
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
     * @param settings      parameters, decision rule and boxes
     * @param textManager   owner of the cached text features (closed by {@link #close()})
     */
    public TagClipPipeline(TagClipBackbone backbone, TextTable.NameEmbedder embedder, String modelId,
            String modelRevision, Vocabularies vocabularies, PipelineSettings settings, NDManager textManager) {
        this.backbone = Objects.requireNonNull(backbone, "backbone");
        this.embedder = Objects.requireNonNull(embedder, "embedder");
        this.modelId = Objects.requireNonNull(modelId, "modelId");
        this.modelRevision = Objects.requireNonNull(modelRevision, "modelRevision");
        this.vocabularies = Objects.requireNonNull(vocabularies, "vocabularies");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.textManager = Objects.requireNonNull(textManager, "textManager");
        vocabularies.get(settings.defaultVocabulary());
        this.tagger = new TagClipTagger(backbone, settings.params());
    }

    @Override
    public List<TagResult> tag(List<ImageRequest> requests) {
        Objects.requireNonNull(requests, "requests");
        synchronized (inference) {
            long start = System.nanoTime();
            List<Object> outcomes = new ArrayList<>(requests.size());
            for (ImageRequest request : requests) {
                outcomes.add(tagOne(request));
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            List<TagResult> results = new ArrayList<>(requests.size());
            for (Object outcome : outcomes) {
                results.add(outcome instanceof Scored s
                        ? new TagResult.Tagged(s.id(), s.tags(), s.scores(), s.provenance(), millis)
                        : (TagResult.Failed) outcome);
            }
            return List.copyOf(results);
        }
    }

    /** Tags the smallest image once so that the first real batch does not pay for text features and warm-up. */
    @Override
    public void warmUp() {
        byte[] grey = new byte[16 * 16 * 3];
        java.util.Arrays.fill(grey, (byte) 128);
        tag(List.of(ImageRequest.of("warm-up", new RgbImage(16, 16, grey))));
    }

    @Override
    public void close() {
        textManager.close();
    }

    /** A tagged image before the batch time is known. */
    private record Scored(String id, List<Tag> tags, Map<String, Float> scores, TagResult.Provenance provenance) {}

    private Object tagOne(ImageRequest request) {
        String vocabularyId = request.vocabularyId() == null ? settings.defaultVocabulary() : request.vocabularyId();
        Vocabulary vocabulary = vocabularies.find(vocabularyId).orElse(null);
        if (vocabulary == null) {
            return new TagResult.Failed(request.id(), FailureKind.UNKNOWN_VOCABULARY,
                    "unknown vocabulary '" + vocabularyId + "'");
        }
        boolean[] allowed = null;
        if (!request.labels().isEmpty()) {
            allowed = new boolean[vocabulary.numClasses()];
            for (String label : request.labels()) {
                int index = vocabulary.indexOf(label);
                if (index < 0) {
                    return new TagResult.Failed(request.id(), FailureKind.UNKNOWN_LABEL,
                            "label '" + label + "' is not in vocabulary '" + vocabulary.id() + "'");
                }
                allowed[index] = true;
            }
        }
        try {
            return score(request, vocabulary, allowed);
        } catch (RuntimeException e) {
            return new TagResult.Failed(request.id(), FailureKind.INFERENCE_FAILED,
                    "image '" + request.id() + "' (" + request.image().width() + "x" + request.image().height()
                            + "): " + e);
        }
    }

    private Scored score(ImageRequest request, Vocabulary vocabulary, boolean[] allowed) {
        NDArray text = textFeatures(vocabulary);
        ClipImage image = ClipTransform.reference(request.image(), settings.params().patchSize());
        TagClipOutput output;
        try (NDManager manager = textManager.newSubManager()) {
            output = tagger.score(image, text, vocabulary.numClasses(), false, manager);
        }
        float[] scores = output.scores();
        List<Integer> chosen = TagDecision.decide(scores, settings.params(), settings.decision(),
                vocabulary.thresholds(), allowed);
        List<Tag> tags = new ArrayList<>(chosen.size());
        for (int c : chosen) {
            Box box = settings.boxes()
                    ? box(output.classBoxes().get(c), image, settings.params().patchSize())
                    : null;
            tags.add(new Tag(vocabulary.classes().get(c).label(), scores[c], box));
        }
        Map<String, Float> reported = new LinkedHashMap<>();
        for (int c = 0; c < vocabulary.numClasses(); c++) {
            if (allowed == null || allowed[c]) {
                reported.put(vocabulary.classes().get(c).label(), scores[c]);
            }
        }
        TagResult.Provenance provenance = new TagResult.Provenance(METHOD, modelId, modelRevision, vocabulary.id(),
                vocabulary.version(), settings.paramsVersion());
        return new Scored(request.id(), tags, reported, provenance);
    }

    private NDArray textFeatures(Vocabulary vocabulary) {
        return textFeatures.computeIfAbsent(vocabulary.id() + "@" + vocabulary.version(),
                key -> TextTable.build(vocabulary, embedder, textManager));
    }

    /**
     * A tag's box: the extent of its class's DMAR boxes (patch cells of the resized image), scaled to original
     * pixels, widened outward to whole pixels. {@code null} when DMAR found no box for the class.
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
