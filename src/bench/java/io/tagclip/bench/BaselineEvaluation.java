package io.tagclip.bench;

import io.tagclip.batch.BatchingPolicy;
import io.tagclip.clip.ClipLoader;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.ClipOptions;
import io.tagclip.eval.EvaluationReport;
import io.tagclip.eval.EvaluationResult;
import io.tagclip.eval.Evaluator;
import io.tagclip.eval.SplitFile;
import io.tagclip.fetch.FetchSettings;
import io.tagclip.fetch.ImageDecoder;
import io.tagclip.inference.PipelineImageScorer;
import io.tagclip.inference.PipelineSettings;
import io.tagclip.inference.Pipelines;
import io.tagclip.pipeline.Method;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs the two baselines' pipelines through the {@link Evaluator} and prints one JSON report per method. Run by
 * hand:
 *
 * <pre>
 * ./mvnw -B -o -q test-compile dependency:build-classpath -Dmdep.outputFile=cp.txt -Dmdep.includeScope=test
 * java -Dai.djl.offline=true -cp target/classes:target/test-classes:$(cat cp.txt) io.tagclip.bench.BaselineEvaluation \
 *     [modelDir splitFile imageFolder vocabularyId batchSize]
 * </pre>
 *
 * Without arguments it evaluates the fixture model on the fixture's VOC split and images. clip-global uses TagCLIP's
 * 85-template ensemble, cdul-global-local its defaults (single template {@code "a photo of a {}"}).
 */
public final class BaselineEvaluation {

    private BaselineEvaluation() {}

    public static void main(String[] args) throws Exception {
        Path fixture = Path.of("src/test/resources/tagclip-tiny");
        Path modelDir = args.length > 0 ? Path.of(args[0]) : fixture.resolve("model");
        Path splitFile = args.length > 1 ? Path.of(args[1]) : fixture.resolve("splits/voc2007.txt");
        Path images = args.length > 2 ? Path.of(args[2]) : fixture.resolve("images");
        String vocabularyId = args.length > 3 ? args[3] : Vocabularies.VOC2007;
        int batch = args.length > 4 ? Integer.parseInt(args[4]) : 4;

        Vocabulary vocabulary = Vocabularies.builtIn().get(vocabularyId);
        SplitFile split = SplitFile.read(splitFile, vocabulary.numClasses());
        ImageDecoder decoder = new ImageDecoder(FetchSettings.defaults().maxPixels(), true);
        PipelineSettings settings = PipelineSettings.reference(vocabularyId)
                .withBatching(BatchingPolicy.DEFAULT.withMaxImagesPerForward(batch));
        try (ClipModel model = ClipLoader.load(modelDir, ClipOptions.defaults())) {
            for (Method method : List.of(Method.CLIP_GLOBAL, Method.CDUL_GLOBAL_LOCAL)) {
                try (TaggingPipeline pipeline = Pipelines.open(model, method, Vocabularies.builtIn(), settings)) {
                    EvaluationResult result = new Evaluator(
                                    method.id(),
                                    new PipelineImageScorer(pipeline, vocabulary, decoder::decodeFile),
                                    batch)
                            .evaluate(split, images);
                    System.out.println(EvaluationReport.toJson(result, vocabulary.labels()));
                }
            }
        }
    }
}
