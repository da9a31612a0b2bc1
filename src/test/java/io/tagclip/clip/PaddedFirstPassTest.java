package io.tagclip.clip;

import static io.tagclip.testing.Tolerance.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tagclip.golden.GoldenTensors;
import io.tagclip.golden.TinyModel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Images of different sizes in one padded first pass (tiny golden model, random pixels): each image comes out as it
 * does alone, and nothing written into the padding can reach a real token.
 */
class PaddedFirstPassTest {

    /** Grids of the batch: 3x4 (13 tokens) to 14x14 (197 tokens), so most images are padded, by up to 184 slots. */
    private static final int[][] GRIDS = {{3, 4}, {14, 14}, {7, 10}, {5, 3}, {14, 14}};

    /**
     * The golden README's tolerances for a correct float32 port, which alone-vs-batched must also meet: the padded
     * batch runs every GEMM and softmax over longer rows (zeros and exact-zero weights added), which changes the
     * summation order, i.e. rounding only. Attention probabilities 1e-6, projected tokens 1e-5.
     */
    private static final double ATTENTION = 1e-6;

    private static final double TOKENS = 1e-5;

    private static ClipModel model;
    private static NDManager manager;

    @BeforeAll
    static void load() {
        model = TinyModel.shared();
        manager = NDManager.newBaseManager();
        manager.getEngine().setRandomSeed(13);
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private static List<NDArray> images(NDManager m) {
        List<NDArray> images = new ArrayList<>();
        for (int[] grid : GRIDS) {
            images.add(m.randomNormal(new Shape(3, grid[0] * 16L, grid[1] * 16L)));
        }
        return images;
    }

    @Test
    void shouldEncodeEveryImageOfAMixedSizeBatchAsItIsEncodedAlone() {
        try (NDManager m = manager.newSubManager()) {
            List<NDArray> images = images(m);
            VisionOutput batched = model.encodeImagesTagClip(images, GoldenTensors.SELF_MASK);
            TokenLayout layout = batched.layout();
            assertThat(layout.paddedTokens()).isEqualTo(197);
            assertThat(batched.tokens().getShape().get(1)).isEqualTo(197);

            for (int b = 0; b < images.size(); b++) {
                int t = layout.tokens(b);
                VisionOutput alone = model.encodeImageTagClip(images.get(b).expandDims(0), GoldenTensors.SELF_MASK);
                assertClose(
                        "image " + b + " tokens",
                        batched.tokens().get(b + ", :" + t + ", :").toFloatArray(), // [B,T,E] -> [t,E]
                        alone.tokens().get(0).toFloatArray(),
                        TOKENS);
                assertClose(
                        "image " + b + " attention maps",
                        batched.attentions()
                                .get(":, " + b + ", :" + t + ", :" + t)
                                .toFloatArray(), // -> [L,t,t]
                        alone.attentions().get(":, 0").toFloatArray(),
                        ATTENTION);
                if (t < layout.paddedTokens()) {
                    NDArray toPadding = batched.attentions().get(":, " + b + ", :" + t + ", " + t + ":"); // [L,t,T-t]
                    assertThat(toPadding.abs().max().getFloat())
                            .as("image %d: attention of real tokens on padded keys", b)
                            .isZero();
                }
            }
        }
    }

    /**
     * The padding is written twice, as zeros and as large random values (N(0, 50²), far outside what any embedding
     * holds), and every real token's output and attention must be bit for bit the same: the two runs have the same
     * shapes, so the same kernels in the same order, and a padded key only ever enters as {@code exp(−∞) = 0} times
     * a finite value, which adds an exact zero. Any leak, however small, would change bits ({@code isEqualTo} on
     * float arrays compares bit patterns, {@code Arrays.equals(float[], float[])}).
     */
    @Test
    void shouldNotLetAnyPaddingValueReachARealToken() {
        try (NDManager m = manager.newSubManager()) {
            List<NDArray> images = images(m);
            VisionOutput zeros = model.encodeImagesTagClip(
                    images, GoldenTensors.SELF_MASK, VisionTrace.padWith(shape -> m.zeros(shape)));
            VisionOutput noise = model.encodeImagesTagClip(
                    images,
                    GoldenTensors.SELF_MASK,
                    VisionTrace.padWith(shape -> m.randomNormal(shape).mul(50f)));
            TokenLayout layout = zeros.layout();
            int padded = 0;
            for (int b = 0; b < images.size(); b++) {
                int t = layout.tokens(b);
                padded += t < layout.paddedTokens() ? 1 : 0;
                assertThat(noise.tokens().get(b + ", :" + t + ", :").toFloatArray())
                        .as("image %d real tokens", b)
                        .isEqualTo(zeros.tokens().get(b + ", :" + t + ", :").toFloatArray());
                assertThat(noise.attentions().get(":, " + b + ", :" + t + ", :").toFloatArray())
                        .as("image %d real rows of every attention map", b)
                        .isEqualTo(zeros.attentions()
                                .get(":, " + b + ", :" + t + ", :")
                                .toFloatArray());
            }
            assertThat(padded).as("images that were padded").isEqualTo(3);
            // The padding did change: the padded rows themselves differ, so the comparison above was not vacuous.
            int last = layout.tokens(0);
            assertThat(noise.tokens().get("0, " + last + ":, :").toFloatArray())
                    .isNotEqualTo(zeros.tokens().get("0, " + last + ":, :").toFloatArray());
        }
    }
}
