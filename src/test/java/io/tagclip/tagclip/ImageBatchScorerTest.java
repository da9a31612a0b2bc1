package io.tagclip.tagclip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tagclip.golden.Golden;
import io.tagclip.pipeline.RgbImage;
import io.tagclip.tagclip.eval.EvaluationResult;
import io.tagclip.tagclip.eval.Evaluator;
import io.tagclip.tagclip.eval.MultiLabelMetrics;
import io.tagclip.tagclip.eval.SplitFile;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageBatchScorerTest {

    @Test
    void shouldEvaluateTheFixtureSplitInBatchesLikeImageByImage() throws Exception {
        Path root = Golden.modelDir().getParent();
        SplitFile split = SplitFile.read(root.resolve("splits/voc2007.txt"), 20);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray projection = manager.create(gaussian(3 * 8, 1), new Shape(3, 8));
            NDArray text = ZeroShot.normaliseRows(manager.create(gaussian(20 * 8, 2), new Shape(20, 8)));
            ImageEncoder encoder = images -> images.mean(new int[] {3}).mean(new int[] {2}).matMul(projection);
            ClipGlobalScorer scorer = new ClipGlobalScorer(encoder, text, 100f);

            EvaluationResult result = new Evaluator(scorer.methodId(), scorer.forFiles(ImageBatchScorerTest::decode,
                    manager), 3).evaluate(split, root.resolve("images"));

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

    static RgbImage decode(Path file) throws IOException {
        BufferedImage image = ImageIO.read(file.toFile());
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
