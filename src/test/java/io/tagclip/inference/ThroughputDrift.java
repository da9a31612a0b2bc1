package io.tagclip.inference;

import io.tagclip.clip.ClipLoader;
import io.tagclip.pipeline.Tag;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.pipeline.Method;

import com.fasterxml.jackson.databind.JsonNode;
import io.tagclip.batch.BatchingPolicy;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.ClipOptions;
import io.tagclip.golden.Golden;
import io.tagclip.tagging.DecisionOptions;
import io.tagclip.tagging.TagClipParams;
import io.tagclip.vocab.Vocabularies;
import java.util.List;

/**
 * Measures how far throughput mode's scores and tags drift from the reference's on the golden images, for the
 * default and the coarse batching policy, and the wall time of one batch of all eight images in each mode. Run by
 * hand (it prints a table, asserts nothing):
 * <pre>
 * ./mvnw -B -o -q test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -Dai.djl.offline=true -cp target/test-classes:target/classes:$(cat target/cp.txt) \
 *     io.tagclip.inference.ThroughputDrift
 * </pre>
 */
public final class ThroughputDrift {

    private ThroughputDrift() {}

    public static void main(String[] args) {
        try (ClipModel model = ClipLoader.load(Golden.modelDir(), ClipOptions.cpu())) {
            for (BatchingPolicy policy : List.of(BatchingPolicy.DEFAULT, BatchingPolicy.COARSE)) {
                for (PipelineSettings.Mode mode : PipelineSettings.Mode.values()) {
                    PipelineSettings settings = new PipelineSettings(Vocabularies.VOC2007, TagClipParams.REFERENCE,
                            DecisionOptions.REFERENCE, true, mode, policy);
                    try (TaggingPipeline pipeline = Pipelines.open(model, Method.TAGCLIP, Vocabularies.builtIn(),
                            settings)) {
                        pipeline.warmUp();
                        long start = System.nanoTime();
                        List<TagResult> results = pipeline.tag(GoldenPipelineTest.requests(Golden.IMAGES));
                        long millis = (System.nanoTime() - start) / 1_000_000;
                        System.out.printf("%s %s: %d ms for %d images%n", mode, policy, millis, results.size());
                        if (mode == PipelineSettings.Mode.THROUGHPUT) {
                            report(results);
                        }
                    }
                }
            }
        }
    }

    private static void report(List<TagResult> results) {
        for (TagResult result : results) {
            JsonNode expected = Golden.expected(result.id(), "voc2007");
            TagResult.Tagged tagged = (TagResult.Tagged) result;
            float[] scores = GoldenPipelineTest.toArray(tagged.scores().values());
            float[] reference = Golden.floats(expected.get("final_scores"));
            double max = 0;
            for (int i = 0; i < scores.length; i++) {
                max = Math.max(max, Math.abs(scores[i] - reference[i]));
            }
            List<String> tags = tagged.tags().stream().map(Tag::label).sorted().toList();
            List<String> ref = GoldenPipelineTest.names(expected.get("tag_names")).stream().sorted().toList();
            System.out.printf("  %-16s max |score - reference| %.1e  tags %s%s%n", result.id(), max, tags,
                    tags.equals(ref) ? "" : " (reference " + ref + ")");
        }
    }
}
