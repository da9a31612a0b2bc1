package io.tagclip.inference;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.tagclip.clip.ClipLoader;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.ClipOptions;
import io.tagclip.clip.PromptEnsemble;
import io.tagclip.golden.Golden;
import io.tagclip.pipeline.Tag;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.vocab.TextTable;
import io.tagclip.vocab.Vocabularies;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Runs the golden images through the whole TagCLIP pipeline with one model loaded in a given device and precision,
 * text features included (the text tower runs in the same precision, as it would on a GPU), so two runs can be
 * compared image by image: max |score difference| over classes and whether the tag sets are equal.
 */
public final class PrecisionDrift {

    /** One image's comparison of a run against a baseline run. */
    public record ImageDrift(
            String image, double maxScoreDrift, boolean sameTags, Set<String> tags, Set<String> baselineTags) {}

    private PrecisionDrift() {}

    /**
     * Final scores and tag sets of {@code images} from the model in {@code modelDir} loaded with {@code device} and
     * {@code dtype}, in {@code mode}, vocabulary {@code vocabulary}; keyed by image name, in input order.
     */
    public static Map<String, TagResult.Tagged> run(
            Path modelDir,
            Device device,
            DataType dtype,
            PipelineSettings.Mode mode,
            String vocabulary,
            List<String> images) {
        try (ClipModel model = ClipLoader.load(modelDir, new ClipOptions(device, dtype));
                NDManager keep = NDManager.newBaseManager()) {
            Map<List<String>, NDArray> cache = new HashMap<>();
            TextTable.NameEmbedder embedder = (names, manager) -> {
                NDArray table = cache.computeIfAbsent(List.copyOf(names), n -> PromptEnsemble.embed(model, n, keep));
                NDArray copy = table.duplicate();
                copy.attach(manager);
                return copy;
            };
            PipelineSettings settings = mode == PipelineSettings.Mode.REFERENCE
                    ? PipelineSettings.reference(vocabulary)
                    : PipelineSettings.throughput(vocabulary);
            try (TaggingPipeline pipeline = Pipelines.tagClip(
                    new ClipModelBackbone(model),
                    embedder,
                    model.modelId(),
                    model.revision(),
                    Vocabularies.builtIn(),
                    settings,
                    NDManager.newBaseManager())) {
                Map<String, TagResult.Tagged> out = new LinkedHashMap<>();
                for (TagResult result : pipeline.tag(GoldenPipelineTest.requests(images))) {
                    if (!(result instanceof TagResult.Tagged tagged)) {
                        throw new IllegalStateException(result.id() + " was not tagged: " + result);
                    }
                    out.put(result.id(), tagged);
                }
                return out;
            }
        }
    }

    /** Image by image: {@code run} against {@code baseline} (same images, same vocabulary). */
    public static List<ImageDrift> compare(Map<String, TagResult.Tagged> run, Map<String, TagResult.Tagged> baseline) {
        List<ImageDrift> drifts = new ArrayList<>();
        for (Map.Entry<String, TagResult.Tagged> entry : baseline.entrySet()) {
            TagResult.Tagged expected = entry.getValue();
            TagResult.Tagged actual = run.get(entry.getKey());
            if (actual == null) {
                throw new IllegalArgumentException("no result for " + entry.getKey());
            }
            double worst = 0;
            for (Map.Entry<String, Float> score : expected.scores().entrySet()) {
                Float other = actual.scores().get(score.getKey());
                if (other == null) {
                    throw new IllegalArgumentException(entry.getKey() + " has no score for " + score.getKey());
                }
                worst = Math.max(worst, Math.abs(other - score.getValue()));
            }
            Set<String> tags = labels(actual);
            Set<String> baselineTags = labels(expected);
            drifts.add(new ImageDrift(entry.getKey(), worst, tags.equals(baselineTags), tags, baselineTags));
        }
        return drifts;
    }

    /** The golden fixture's model folder (for callers outside this package). */
    public static Path goldenModel() {
        return Golden.modelDir();
    }

    private static Set<String> labels(TagResult.Tagged tagged) {
        Set<String> labels = new TreeSet<>();
        for (Tag tag : tagged.tags()) {
            labels.add(tag.label());
        }
        return labels;
    }
}
