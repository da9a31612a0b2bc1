package io.tagclip.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tagclip.golden.GoldenTensors;
import io.tagclip.inference.PassPeaks;
import io.tagclip.tokenizer.ClipTokenizer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Vision-tower throughput of a random-weight CLIP ViT-B/16 on this machine: {@code bin/bench-clip [FORWARDS=1000]
 * [SECONDS_PER_CASE=20] [SECTIONS=throughput,text,subnormal,memory]}.
 *
 * <p>Reports images/s and GFLOP/s of the TagCLIP first pass ({@link ClipModel#encodeImageTagClip}) at 224×224 (batch
 * 1, 8, 32) and 448×336 (batch 1, 8), the GFLOP/s of one plain matMul of the MLP's size for comparison, the cost of
 * the −100 self mask with and without flushing subnormal probabilities, and resident memory over many forwards.
 *
 * <p>FLOPs per image (2 per multiply-add), with N patches, T = N+1 tokens, D width, M MLP width, L layers, E embed,
 * P patch: {@code 2·N·3P²·D + L·(2·T·(4D² + 2·D·M) + 4·T²·D) + 2·T·D·E}; 35.3 GFLOP at 224 for ViT-B/16.
 */
public final class VisionBenchmark {

    private VisionBenchmark() {}

    public static void main(String[] args) throws IOException {
        int forwards = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        double secondsPerCase = args.length > 1 ? Double.parseDouble(args[1]) : 20;
        Set<String> sections = Set.of((args.length > 2 ? args[2] : "throughput,text,subnormal,memory").split(","));
        ClipConfig config = ClipConfig.vitB16();
        System.out.printf(
                Locale.ROOT,
                "cores %d, max heap %d MiB%n",
                Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20);
        long start = System.nanoTime();
        try (ClipModel model = RandomClip.randomWeights(config, 20231220L, ClipOptions.cpu());
                NDManager manager = NDManager.newBaseManager()) {
            System.out.printf(
                    Locale.ROOT,
                    "random ViT-B/16 built in %.1f s on %s; RSS %s%n",
                    (System.nanoTime() - start) / 1e9,
                    model.device(),
                    memory());

            if (sections.contains("throughput")) {
                throughput(model, manager, config, secondsPerCase);
            }
            if (sections.contains("text")) {
                textTable(model, manager);
            }
            if (sections.contains("subnormal")) {
                subnormals(manager, config);
            }
            if (sections.contains("memory")) {
                memoryDrift(model, manager, forwards);
            }
        }
    }

    /** images/s and GFLOP/s of the first pass per input size and batch, and a plain matMul for comparison. */
    private static void throughput(ClipModel model, NDManager manager, ClipConfig config, double secondsPerCase) {
        {
            System.out.println();
            System.out.println("| input | batch | ms/batch (median) | images/s | GFLOP/img | GFLOP/s |");
            System.out.println("|---|---|---|---|---|---|");
            double gflopsAt224Batch8 = 0;
            int[][] cases = {{224, 224, 1}, {224, 224, 8}, {224, 224, 32}, {448, 336, 1}, {448, 336, 8}};
            for (int[] c : cases) {
                double seconds = timeForward(model, manager, c[0], c[1], c[2], secondsPerCase);
                double gflop = flops(config, c[0], c[1]) / 1e9;
                double gflops = gflop * c[2] / seconds;
                if (c[0] == 224 && c[2] == 8) {
                    gflopsAt224Batch8 = gflops;
                }
                System.out.printf(
                        Locale.ROOT,
                        "| %dx%d | %d | %.0f | %.2f | %.1f | %.0f |%n",
                        c[0],
                        c[1],
                        c[2],
                        seconds * 1e3,
                        c[2] / seconds,
                        gflop,
                        gflops);
            }

            double matMul =
                    matMulGflops(manager, 8 * 197, config.visionWidth(), config.visionMlpWidth(), secondsPerCase / 2);
            System.out.printf(
                    Locale.ROOT,
                    "%nplain matMul [%d,%d]x[%d,%d]: %.0f GFLOP/s; TagCLIP pass at 224, batch 8:" + " %.0f%% of it%n",
                    8 * 197,
                    config.visionWidth(),
                    config.visionWidth(),
                    config.visionMlpWidth(),
                    matMul,
                    100 * gflopsAt224Batch8 / matMul);
        }
    }

    /** Time to embed the VOC vocabulary (45 classes x 85 prompts) with the real-size text tower. */
    private static void textTable(ClipModel model, NDManager manager) {
        ClipTokenizer tokenizer = ClipTokenizer.fromFolder(
                GoldenTensors.modelFolder(), model.config().contextLength());
        List<String> classes = new ArrayList<>();
        GoldenTensors.expected("text_voc2007.json").get("classes").forEach(c -> classes.add(c.asText()));
        int[][] ids = tokenizer.tokenize(PromptEnsemble.prompts(classes), false);
        try (NDManager scope = manager.newSubManager()) {
            int[] flat = new int[ids.length * ids[0].length];
            for (int t = 0; t < ids.length; t++) {
                System.arraycopy(ids[t], 0, flat, t * ids[t].length, ids[t].length);
            }
            NDArray tokens = scope.create(flat, new Shape(ids.length, ids[0].length));
            long t0 = System.nanoTime();
            NDArray features = model.encodeText(tokens);
            System.out.printf(
                    Locale.ROOT,
                    "%ntext table for VOC (%d prompts, ViT-B/16 text tower): %.1f s%n",
                    features.getShape().get(0),
                    (System.nanoTime() - t0) / 1e9);
        }
    }

    /** Analytic FLOPs of the first pass (all tokens projected) at {@code h x w}. */
    static double flops(ClipConfig c, int h, int w) {
        double n = (double) (h / c.patchSize()) * (w / c.patchSize());
        double t = n + 1;
        double d = c.visionWidth();
        double m = c.visionMlpWidth();
        double patch = 2 * n * 3 * c.patchSize() * c.patchSize() * d;
        double layer = 2 * t * (4 * d * d + 2 * d * m) + 4 * t * t * d;
        return patch + c.visionLayers() * layer + 2 * t * d * c.embedDim();
    }

    /** Median seconds per batch of the TagCLIP first pass (after two warm-up runs). */
    private static double timeForward(ClipModel model, NDManager manager, int h, int w, int batch, double budget) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray images = scope.randomNormal(new Shape(batch, 3, h, w));
            for (int i = 0; i < 2; i++) {
                try (NDManager run = scope.newSubManager()) {
                    images.attach(run);
                    model.encodeImageTagClip(images, GoldenTensors.SELF_MASK);
                    images.attach(scope);
                }
            }
            double[] times = new double[200];
            int runs = 0;
            long begin = System.nanoTime();
            while (runs < 3 || (runs < times.length && (System.nanoTime() - begin) / 1e9 < budget)) {
                try (NDManager run = scope.newSubManager()) {
                    images.attach(run);
                    long t0 = System.nanoTime();
                    VisionOutput out = model.encodeImageTagClip(images, GoldenTensors.SELF_MASK);
                    out.tokens().toFloatArray(); // wait for the result
                    times[runs++] = (System.nanoTime() - t0) / 1e9;
                    images.attach(scope);
                }
            }
            return median(Arrays.copyOf(times, runs));
        }
    }

    private static double matMulGflops(NDManager manager, int rows, int inner, int cols, double budget) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray a = scope.randomNormal(new Shape(rows, inner));
            NDArray b = scope.randomNormal(new Shape(inner, cols));
            a.matMul(b).close();
            double[] times = new double[500];
            int runs = 0;
            long begin = System.nanoTime();
            while (runs < 5 || (runs < times.length && (System.nanoTime() - begin) / 1e9 < budget)) {
                long t0 = System.nanoTime();
                a.matMul(b).close();
                times[runs++] = (System.nanoTime() - t0) / 1e9;
            }
            return 2.0 * rows * inner * cols / median(Arrays.copyOf(times, runs)) / 1e9;
        }
    }

    /**
     * The last block's masked attention at 224 (one image, 12 heads): softmax(logits − 100·(1−I))·V computed plainly
     * (probabilities near e^-100 are subnormal floats) versus with {@link TransformerBlock#flushedSoftmax}, and the
     * unmasked attention for reference.
     */
    private static void subnormals(NDManager manager, ClipConfig config) {
        int tokens = config.visionTokens();
        int heads = config.visionHeads();
        try (NDManager scope = manager.newSubManager()) {
            NDArray logits =
                    scope.randomNormal(new Shape(1, heads, tokens, tokens)).mul(3f);
            NDArray v = scope.randomNormal(new Shape(1, heads, tokens, config.visionWidth() / heads));
            NDArray mask = scope.eye(tokens).mul(100f).sub(100f);
            double plain = timeMs(() -> logits.softmax(-1).matMul(v).close());
            double masked = timeMs(() -> logits.add(mask).softmax(-1).matMul(v).close());
            double flushed = timeMs(() ->
                    TransformerBlock.flushedSoftmax(logits.add(mask)).matMul(v).close());
            double shortcut = timeMs(() -> TransformerBlock.selfOnlyRows(logits, GoldenTensors.SELF_MASK)
                    .close());
            NDArray denormal = logits.add(mask).softmax(-1);
            NDArray clean = TransformerBlock.flushedSoftmax(logits.add(mask));
            double difference =
                    denormal.matMul(v).sub(clean.matMul(v)).abs().max().getFloat();
            double toV = denormal.matMul(v).sub(v).abs().max().getFloat();
            System.out.printf(
                    Locale.ROOT,
                    "%nlast-block attention at 224 (softmax + P·V, 1 image, %d heads):"
                            + " unmasked %.2f ms; with the -100 self mask: plain (subnormals) %.2f ms, flushed"
                            + " softmax %.2f ms, per-row identity check (output = V there) %.2f ms;"
                            + " max |plain - flushed| %.1e, max |plain - V| %.1e%n",
                    heads,
                    plain,
                    masked,
                    flushed,
                    shortcut,
                    difference,
                    toV);
        }
    }

    private static double timeMs(Runnable op) {
        for (int i = 0; i < 5; i++) {
            op.run();
        }
        double[] times = new double[50];
        for (int i = 0; i < times.length; i++) {
            long t0 = System.nanoTime();
            op.run();
            times[i] = (System.nanoTime() - t0) / 1e6;
        }
        return median(times);
    }

    /** RSS after 100 and after {@code forwards} first passes at 224, batch 1 (the steady state must not grow). */
    private static void memoryDrift(ClipModel model, NDManager manager, int forwards) throws IOException {
        long warmRss = 0;
        long begin = System.nanoTime();
        try (NDManager scope = manager.newSubManager()) {
            NDArray image = scope.randomNormal(new Shape(1, 3, 224, 224));
            for (int i = 1; i <= forwards; i++) {
                try (NDManager run = scope.newSubManager()) {
                    image.attach(run);
                    VisionOutput out = model.encodeImageTagClip(image, GoldenTensors.SELF_MASK);
                    out.tokens().toFloatArray();
                    image.attach(scope);
                }
                if (i == Math.min(100, forwards)) {
                    warmRss = PassPeaks.statusKb("VmRSS");
                }
            }
        }
        long endRss = PassPeaks.statusKb("VmRSS");
        System.out.printf(
                Locale.ROOT,
                "%n%d forwards at 224, batch 1, in %.0f s: RSS after 100 %d MiB, after %d %d MiB"
                        + " (drift %+.1f%%); peak RSS %d MiB%n",
                forwards,
                (System.nanoTime() - begin) / 1e9,
                warmRss >> 10,
                forwards,
                endRss >> 10,
                100.0 * (endRss - warmRss) / warmRss,
                PassPeaks.statusKb("VmHWM") >> 10);
    }

    private static String memory() throws IOException {
        return (PassPeaks.statusKb("VmRSS") >> 10) + " MiB";
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
