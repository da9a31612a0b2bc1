package io.tagclip.bench;

import io.tagclip.clip.ClipLoader;
import ai.djl.ndarray.NDManager;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.ClipOptions;
import io.tagclip.clip.PromptEnsemble;
import io.tagclip.fetch.FetchSettings;
import io.tagclip.fetch.ImageDecoder;
import io.tagclip.baseline.CdulGlobalLocalScorer;
import io.tagclip.baseline.CdulParams;
import io.tagclip.baseline.ClipGlobalScorer;
import io.tagclip.baseline.ImageBatchScorer;
import io.tagclip.vocab.TextTable;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import io.tagclip.eval.EvaluationReport;
import io.tagclip.eval.EvaluationResult;
import io.tagclip.eval.Evaluator;
import io.tagclip.eval.SplitFile;
import java.nio.file.Path;

/**
 * Runs the two baselines through the {@link Evaluator} and prints one JSON report per method. Run by hand:
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
        try (ClipModel model = ClipLoader.load(modelDir, ClipOptions.defaults());
                NDManager manager = model.manager().newSubManager()) {
            TextTable.NameEmbedder ensemble = (names, m) -> PromptEnsemble.embed(model, names, m);
            ImageBatchScorer clipGlobal = ClipGlobalScorer.forVocabulary(
                    vocabulary, model::encodeImage, ensemble, model.logitScale(), manager);
            ImageBatchScorer cdul = CdulGlobalLocalScorer.forVocabulary(vocabulary, model::encodeImage,
                    model::encodeTexts, ensemble, model.logitScale(), CdulParams.DEFAULTS, manager);
            for (ImageBatchScorer scorer : new ImageBatchScorer[] {clipGlobal, cdul}) {
                EvaluationResult result = new Evaluator(scorer.methodId(),
                        scorer.forFiles(new ImageDecoder(FetchSettings.defaults().maxPixels(), true)::decodeFile, manager), batch).evaluate(split, images);
                System.out.println(EvaluationReport.toJson(result, vocabulary.labels()));
            }
        }
    }

}
