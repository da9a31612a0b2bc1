package io.tagclip.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tagclip.batch.FirstPassMemory;
import io.tagclip.clip.ClipConfig;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.ClipOptions;
import io.tagclip.clip.RandomClip;
import io.tagclip.golden.TinyModel;
import io.tagclip.preprocess.ClipImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The first-pass memory estimate against the measured peak: the peak resident set (VmHWM, reset before each pass
 * through {@code /proc/self/clear_refs}) above the resident set before it, while the pass runs on the CPU.
 *
 * <p>The measurement only means something when freed tensors go back to the kernel at once, so this class runs in a
 * surefire execution of its own whose glibc hands back every block above 64 KiB ({@code glibc.malloc.mmap_threshold}
 * fixed, so no dynamic threshold); under the allocator setting of every other test (freed blocks kept for reuse) the
 * resident set stays at its high-water mark, and the test is skipped.
 *
 * <p>Models: a random one with ViT-B/16's layout (12 layers, 12 heads) at a quarter of its width, where the per-head
 * temporaries of a block decide the first pass's peak, and the tiny fixture (2 heads), where the maps kept through the
 * forward and the self mask are a larger share. Sizes from 577 to 2,305 tokens keep the whole class within seconds.
 */
class FirstPassPeakTest {

    /** The estimate may not be below the measured peak, nor more than this many times it. */
    static final double MAX_OVERESTIMATE = 1.5;

    /** ViT-B/16's layout (12 blocks of 12 heads) at a quarter of its width (192, MLP 768), a small text tower. */
    static final ClipConfig QUARTER_WIDTH = new ClipConfig(
            192,
            12,
            12,
            768,
            16,
            224,
            1e-5f,
            ClipConfig.Activation.QUICK_GELU,
            64,
            1,
            1,
            256,
            77,
            49408,
            1e-5f,
            ClipConfig.Activation.QUICK_GELU,
            64);

    private static ClipModel quarter;

    @BeforeAll
    static void measurable() {
        String tunables = System.getenv().getOrDefault("GLIBC_TUNABLES", "");
        assumeTrue(
                tunables.contains("glibc.malloc.mmap_threshold"),
                "needs glibc to hand freed tensors back (the first-pass-peak surefire execution), not " + tunables);
        assumeTrue(Files.isWritable(Path.of("/proc/self/clear_refs")), "needs Linux's /proc/self/clear_refs");
        quarter = RandomClip.randomWeights(QUARTER_WIDTH, 5, ClipOptions.cpu());
    }

    @AfterAll
    static void close() {
        if (quarter != null) {
            quarter.close();
        }
    }

    @Test
    void shouldEstimateTheFirstPassPeakOfTwelveHeadsWithinTheStatedFactor() throws IOException, InterruptedException {
        ClipModel model = quarter;
        warmUp(model);
        for (int[] size : new int[][] {{512, 512}, {640, 640}, {768, 640}}) {
            assertWithinFactor(
                    model, "first pass", size, firstPassPeak(model, size[0], size[1]), tagClipBytes(model, size));
        }
    }

    @Test
    void shouldEstimateTheFirstPassPeakOfTheTinyModelWithinTheStatedFactor() throws IOException, InterruptedException {
        ClipModel model = TinyModel.shared();
        warmUp(model);
        for (int[] size : new int[][] {{512, 512}, {768, 768}}) {
            assertWithinFactor(
                    model, "first pass", size, firstPassPeak(model, size[0], size[1]), tagClipBytes(model, size));
        }
    }

    @Test
    void shouldEstimateTheGradCamPeakWithinTheStatedFactor() throws IOException, InterruptedException {
        ClipModel model = quarter;
        warmUp(model);
        int targets = 3;
        FirstPassMemory memory = ClipModelBackbone.firstPassMemory(model);
        for (int[] size : new int[][] {{384, 384}, {512, 512}}) {
            long tokens = FirstPassMemory.tokens(size[0], size[1], 16);
            assertWithinFactor(
                    model,
                    "Grad-CAM pass, " + targets + " targets",
                    size,
                    gradCamPeak(model, size[0], size[1], targets),
                    memory.gradCamBytes(tokens, targets));
        }
    }

    private static long tagClipBytes(ClipModel model, int[] size) {
        return ClipModelBackbone.firstPassMemory(model)
                .tagClipBytes(1, FirstPassMemory.tokens(size[0], size[1], 16), false);
    }

    private static void assertWithinFactor(ClipModel model, String pass, int[] size, long measured, long estimate) {
        String what = String.format(
                Locale.ROOT,
                "%s of %s at %dx%d: estimate %.1f MB, measured peak %.1f MB",
                pass,
                model.modelId(),
                size[0],
                size[1],
                estimate / 1e6,
                measured / 1e6);
        assertThat(measured).as(what).isPositive();
        assertThat(estimate).as(what).isGreaterThanOrEqualTo(measured);
        assertThat((double) estimate).as(what).isLessThanOrEqualTo(MAX_OVERESTIMATE * measured);
    }

    /** One small pass first, so that one-time allocations (thread pools, kernels' buffers) are not measured. */
    private static void warmUp(ClipModel model) {
        PassPeaks.firstPass(model, List.of(PassPeaks.image(224, 224)));
    }

    private static long firstPassPeak(ClipModel model, int width, int height) throws IOException, InterruptedException {
        List<ClipImage> images = List.of(PassPeaks.image(width, height));
        return PassPeaks.peakDuring(() -> PassPeaks.firstPass(model, images));
    }

    private static long gradCamPeak(ClipModel model, int width, int height, int targets)
            throws IOException, InterruptedException {
        ClipImage image = PassPeaks.image(width, height);
        return PassPeaks.peakDuring(() -> PassPeaks.gradCam(model, image, targets));
    }
}
