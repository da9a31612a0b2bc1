package io.tagclip.bench;

import ai.djl.ndarray.NDManager;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.ClipOptions;
import io.tagclip.clip.PromptEnsemble;
import io.tagclip.pipeline.RgbImage;
import io.tagclip.tagclip.CdulGlobalLocalScorer;
import io.tagclip.tagclip.CdulParams;
import io.tagclip.tagclip.ClipGlobalScorer;
import io.tagclip.tagclip.ImageBatchScorer;
import io.tagclip.tagclip.TextTable;
import io.tagclip.tagclip.Vocabularies;
import io.tagclip.tagclip.Vocabulary;
import io.tagclip.tagclip.eval.EvaluationReport;
import io.tagclip.tagclip.eval.EvaluationResult;
import io.tagclip.tagclip.eval.Evaluator;
import io.tagclip.tagclip.eval.SplitFile;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

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
        try (ClipModel model = ClipModel.load(modelDir, ClipOptions.defaults());
                NDManager manager = model.manager().newSubManager()) {
            TextTable.NameEmbedder ensemble = (names, m) -> PromptEnsemble.embed(model, names, m);
            ImageBatchScorer clipGlobal = ClipGlobalScorer.forVocabulary(
                    vocabulary, model::encodeImage, ensemble, model.logitScale(), manager);
            ImageBatchScorer cdul = CdulGlobalLocalScorer.forVocabulary(vocabulary, model::encodeImage,
                    model::encodeTexts, ensemble, model.logitScale(), CdulParams.DEFAULTS, manager);
            for (ImageBatchScorer scorer : new ImageBatchScorer[] {clipGlobal, cdul}) {
                EvaluationResult result = new Evaluator(scorer.methodId(),
                        scorer.forFiles(BaselineEvaluation::decode, manager), batch).evaluate(split, images);
                System.out.println(EvaluationReport.toJson(result, vocabulary.labels()));
            }
        }
    }

    private static RgbImage decode(Path file) throws IOException {
        BufferedImage image = ImageIO.read(file.toFile());
        if (image == null) {
            throw new IOException("no image decoder for " + file);
        }
        Raster raster = image.getRaster();
        int w = image.getWidth();
        int h = image.getHeight();
        int bands = raster.getNumBands();
        int[] sample = new int[bands];
        byte[] px = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                raster.getPixel(x, y, sample);
                for (int c = 0; c < 3; c++) {
                    px[(y * w + x) * 3 + c] = (byte) sample[bands >= 3 ? c : 0];
                }
            }
        }
        return new RgbImage(w, h, px);
    }
}
