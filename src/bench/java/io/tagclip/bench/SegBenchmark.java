package io.tagclip.bench;

import io.tagclip.batch.BatchingPolicy;
import io.tagclip.clip.ClipConfig;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.ClipOptions;
import io.tagclip.clip.RandomClip;
import io.tagclip.fetch.FetchException;
import io.tagclip.inference.ClipModelBackbone;
import io.tagclip.inference.PipelineSettings;
import io.tagclip.inference.Pipelines;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.tagging.DecisionOptions;
import io.tagclip.tagging.TagClipParams;
import io.tagclip.vocab.Vocabularies;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * What masks (classify, then segment) add to tagging, at ViT-B/16 size with random weights
 * ({@link RandomClip#randomWeightsWithTokenizer}, so CLS-SEG's one-template text can be encoded): each golden photo is
 * tagged in reference mode and segmented by the service's own path ({@link Pipelines#withMasks}), one image per call;
 * the tagging time is taken inside that call, so the mask time is the rest of it (Grad-CAM pass with one backward for
 * all tags, CAA, maps at the original size, label map, RLE). Run with {@code bin/bench-seg}.
 *
 * <pre>
 * bin/bench-seg [IMAGES=8]
 * </pre>
 *
 * Vocabulary voc2007; the tagger's text features are random unit rows ({@link TagBenchmark#randomText}), CLS-SEG's are
 * the random model's. Both are built by one untimed call on the first image. Random weights give arbitrary tags, so
 * the figure to read is the mask time per tag and per image, not the tags.
 */
public final class SegBenchmark {

    private static final long SEED = 20231220L;

    private SegBenchmark() {}

    public static void main(String[] args) throws IOException, FetchException {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        List<ImageRequest> requests = TagBenchmark.requests(count);
        PipelineSettings settings = new PipelineSettings(
                Vocabularies.VOC2007,
                TagClipParams.REFERENCE,
                DecisionOptions.REFERENCE,
                false,
                PipelineSettings.Mode.REFERENCE,
                BatchingPolicy.DEFAULT);
        long start = System.nanoTime();
        try (ClipModel model =
                RandomClip.randomWeightsWithTokenizer(ClipConfig.vitB16(), SEED, ClipOptions.defaults())) {
            System.out.printf(
                    Locale.ROOT,
                    "cores %d, random ViT-B/16 built in %.1f s on %s, %d images, one per call, reference mode%n%n",
                    Runtime.getRuntime().availableProcessors(),
                    (System.nanoTime() - start) / 1e9,
                    model.device(),
                    count);
            TimedTagger tagger = new TimedTagger(Pipelines.tagClip(
                    new ClipModelBackbone(model),
                    TagBenchmark.randomText(),
                    "random-vit-b16",
                    "random",
                    Vocabularies.builtIn(),
                    settings,
                    model.manager().newSubManager()));
            try (TaggingPipeline masked = Pipelines.withMasks(tagger, model, Vocabularies.builtIn())) {
                run(tagger, masked, requests); // closing the masked pipeline closes the tagger
            }
        }
    }

    /** Tags and masks every request, one per call, printing a row each and the means. */
    private static void run(TimedTagger tagger, TaggingPipeline masked, List<ImageRequest> requests)
            throws IOException {
        masked.tag(requests.subList(0, 1)); // text features of both stages, first-call overheads
        System.out.println("| image | size | tags | tagging s | masks s | masks s/tag | added |");
        System.out.println("|---|---|---|---|---|---|---|");
        double taggingTotal = 0;
        double masksTotal = 0;
        int tagsTotal = 0;
        for (ImageRequest request : requests) {
            long start = System.nanoTime();
            TagResult result = masked.tag(List.of(request)).get(0);
            double seconds = (System.nanoTime() - start) / 1e9;
            if (!(result instanceof TagResult.Tagged tagged)) {
                throw new IllegalStateException("image " + request.id() + " failed: " + result);
            }
            double tagging = tagger.lastSeconds();
            double masks = seconds - tagging;
            int tags = tagged.tags().size();
            taggingTotal += tagging;
            masksTotal += masks;
            tagsTotal += tags;
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %d×%d | %d | %.2f | %.2f | %s | %.0f %% |%n",
                    request.id(),
                    request.image().width(),
                    request.image().height(),
                    tags,
                    tagging,
                    masks,
                    tags == 0 ? "—" : String.format(Locale.ROOT, "%.2f", masks / tags),
                    100 * masks / tagging);
        }
        int count = requests.size();
        System.out.printf(
                Locale.ROOT,
                "| **mean per image** | | %.2f | %.2f | %.2f | %.2f | %.0f %% |%n",
                (double) tagsTotal / count,
                taggingTotal / count,
                masksTotal / count,
                tagsTotal == 0 ? Double.NaN : masksTotal / tagsTotal,
                100 * masksTotal / taggingTotal);
        System.out.printf(Locale.ROOT, "%npeak RSS %d MiB%n", TagBenchmark.statusKib("VmHWM") >> 10);
    }

    /** The tagger, timing each call so that the masking stage's own time is the rest of the masked call. */
    private static final class TimedTagger implements TaggingPipeline {

        private final TaggingPipeline inner;
        private long lastNanos;

        TimedTagger(TaggingPipeline inner) {
            this.inner = inner;
        }

        double lastSeconds() {
            return lastNanos / 1e9;
        }

        @Override
        public List<TagResult> tag(List<ImageRequest> requests) {
            long start = System.nanoTime();
            List<TagResult> results = inner.tag(requests);
            lastNanos = System.nanoTime() - start;
            return results;
        }

        @Override
        public void warmUp() {
            inner.warmUp();
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
