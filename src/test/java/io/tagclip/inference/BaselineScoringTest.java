package io.tagclip.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tagclip.baseline.ClipGlobalScorer;
import io.tagclip.baseline.ImageEncoder;
import io.tagclip.baseline.ZeroShot;
import io.tagclip.batch.BatchingPolicy;
import io.tagclip.eval.EvaluationResult;
import io.tagclip.eval.Evaluator;
import io.tagclip.eval.MultiLabelMetrics;
import io.tagclip.eval.SplitFile;
import io.tagclip.fetch.FetchSettings;
import io.tagclip.fetch.ImageDecoder;
import io.tagclip.golden.Golden;
import io.tagclip.image.RgbImage;
import io.tagclip.pipeline.Method;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BaselineScoringTest {

    @Test
    void shouldEvaluateTheFixtureSplitInBatchesLikeImageByImage() throws Exception {
        Path root = Golden.modelDir().getParent();
        SplitFile split = SplitFile.read(root.resolve("splits/voc2007.txt"), 20);
        Vocabulary voc = Vocabularies.builtIn().get(Vocabularies.VOC2007);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray projection = manager.create(gaussian(3 * 8, 1), new Shape(3, 8));
            NDArray text = ZeroShot.normaliseRows(manager.create(gaussian(20 * 8, 2), new Shape(20, 8)));
            ImageEncoder encoder =
                    images -> images.mean(new int[] {3}).mean(new int[] {2}).matMul(projection);
            ClipGlobalScorer scorer = new ClipGlobalScorer(encoder, text, 100f);
            PipelineSettings settings = PipelineSettings.reference(Vocabularies.VOC2007)
                    .withBatching(BatchingPolicy.DEFAULT.withMaxImagesPerForward(3));
            ImageDecoder decoder = new ImageDecoder(FetchSettings.defaults().maxPixels(), true);

            EvaluationResult result;
            try (TaggingPipeline pipeline = new BatchRunner<>(
                    new BaselineScoring(Method.CLIP_GLOBAL, (vocabulary, owner) -> scorer, settings, "test"),
                    "random",
                    "r1",
                    Vocabularies.builtIn(),
                    settings,
                    manager.newSubManager())) {
                result = new Evaluator(
                                Method.CLIP_GLOBAL.id(), new PipelineImageScorer(pipeline, voc, decoder::decodeFile), 3)
                        .evaluate(split, root.resolve("images"));
            }

            float[][] alone = new float[split.size()][];
            for (int i = 0; i < split.size(); i++) {
                RgbImage image = Golden.inputImage(split.entries().get(i).imageId());
                alone[i] = scorer.score(List.of(image), manager).toFloatArray();
            }
            MultiLabelMetrics expected = MultiLabelMetrics.compute(alone, split.labelMatrix(), 0.5);
            assertThat(result.method()).isEqualTo("clip-global");
            assertThat(result.images()).isEqualTo(8);
            assertThat(result.map()).isCloseTo(expected.map(), within(1e-6));
            assertThat(result.metrics().truePositives()).isEqualTo(expected.truePositives());
            assertThat(result.metrics().falsePositives()).isEqualTo(expected.falsePositives());
        }
    }

    private static float[] gaussian(int n, long seed) {
        Random random = new Random(seed);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
