package io.tagclip.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tagclip.clip.ClipConfig;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.ClipOptions;
import io.tagclip.clip.RandomClip;
import io.tagclip.clip.VisionOutput;
import io.tagclip.inference.PassPeaks;
import io.tagclip.tagging.TagClipParams;
import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Memory and latency of one TagCLIP first-pass forward ({@link ClipModel#encodeImageTagClip}) at one input size and
 * batch size, on CLIP ViT-B/16 dimensions with random weights, for the sizing table of {@code deploy/README.md}.
 *
 * <p>Run one configuration per JVM so that the peak resident set (VmHWM) belongs to that batch size alone:
 * {@code bin/bench-memory H W B [batches]}. The slope per image is the difference of the peaks of two batch sizes at
 * the same input size, divided by the difference of the batch sizes. Prints one tab-separated line: H, W, B,
 * batches, RSS after loading, peak RSS, p50 and p99 batch latency, images/s, attention maps kept per image.
 */
public final class MemorySizing {

    /** Bytes of one float32 value. */
    private static final int FLOAT_BYTES = 4;

    private MemorySizing() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            throw new IllegalArgumentException("usage: MemorySizing H W B [batches], got " + Arrays.toString(args));
        }
        int height = Integer.parseInt(args[0]);
        int width = Integer.parseInt(args[1]);
        int batch = Integer.parseInt(args[2]);
        int batches = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        ClipConfig config = ClipConfig.vitB16();
        if (height % config.patchSize() != 0 || width % config.patchSize() != 0 || batch < 1 || batches < 1) {
            throw new IllegalArgumentException("need H and W multiples of " + config.patchSize()
                    + " and B, batches >= 1, got " + Arrays.toString(args));
        }
        int tokens = 1 + (height / config.patchSize()) * (width / config.patchSize());

        try (ClipModel model = RandomClip.randomWeights(config, 42, ClipOptions.cpu())) {
            long loadedKb = PassPeaks.statusKb("VmRSS");
            float[] pixels = randomPixels(batch * 3 * height * width);
            forward(model, pixels, new Shape(batch, 3, height, width)); // warm-up
            long[] nanos = new long[batches];
            for (int i = 0; i < batches; i++) {
                long start = System.nanoTime();
                forward(model, pixels, new Shape(batch, 3, height, width));
                nanos[i] = System.nanoTime() - start;
            }
            long peakKb = PassPeaks.statusKb("VmHWM");
            Arrays.sort(nanos);
            double p50 = percentile(nanos, 0.50) / 1e6;
            double p99 = percentile(nanos, 0.99) / 1e6;
            double imagesPerSecond = batch * batches / (Arrays.stream(nanos).sum() / 1e9);
            long attentionBytes = (long) config.visionLayers() * tokens * tokens * FLOAT_BYTES; // [L,T,T] per image
            System.out.printf(
                    "H=%d\tW=%d\tB=%d\tbatches=%d\tloadedRssMB=%.0f\tpeakRssMB=%.0f\tp50ms=%.0f\tp99ms=%.0f"
                            + "\timages/s=%.2f\tattentionPerImageMB=%.1f%n",
                    height,
                    width,
                    batch,
                    batches,
                    loadedKb / 1024.0,
                    peakKb / 1024.0,
                    p50,
                    p99,
                    imagesPerSecond,
                    attentionBytes / 1e6);
        }
    }

    /** One first pass; the attention maps are read back to the host as DMAR would use them. */
    private static void forward(ClipModel model, float[] pixels, Shape shape) {
        try (NDManager manager = model.manager().newSubManager()) {
            NDArray images = manager.create(pixels, shape); // [B,3,H,W]
            VisionOutput out = model.encodeImageTagClip(
                    images, TagClipParams.REFERENCE.lastLayerSelfMask()); // -> tokens [B,1+N,E], attentions [L,B,T,T]
            out.attentions().toFloatArray();
            out.tokens().toFloatArray();
        }
    }

    private static float[] randomPixels(int count) {
        SplittableRandom random = new SplittableRandom(7);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    /** Nearest-rank percentile of sorted values. */
    private static double percentile(long[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }
}
