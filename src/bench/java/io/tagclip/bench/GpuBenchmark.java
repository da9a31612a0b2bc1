package io.tagclip.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.util.cuda.CudaUtils;
import io.tagclip.clip.ClipConfig;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.ClipOptions;
import io.tagclip.clip.RandomClip;
import io.tagclip.fetch.FetchException;
import io.tagclip.golden.Golden;
import io.tagclip.inference.PipelineSettings;
import io.tagclip.inference.PrecisionDrift;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.TagResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The GPU benchmark, one command: {@code bin/bench-gpu [--device auto|gpu|cpu]}. Random ViT-B/16 weights, so the
 * figures are about speed, not tags. Prints, as Markdown tables:
 *
 * <ol>
 *   <li>the device, and its dense bf16 peak from a table of known devices ({@link #PEAKS}; unknown devices say so);
 *   <li>plain CLIP (one 224×224 pass, class token) images/s at batch 1–256 in fp32 and fp16 (bf16 cannot run, see
 *       {@link ClipOptions}), with achieved TFLOP/s and its share of the peak;
 *   <li>TagCLIP images/s on a seeded mixed-size photo stream (long side 320–1024, {@link PhotoMix}) in reference mode
 *       and throughput mode, with CWR crops per crop forward, achieved TFLOP/s ({@link FlopCount}) and the GPU memory
 *       peak (used memory after each call, which includes libtorch's cache);
 *   <li>parity of the device against the CPU on the golden images (tiny oracle model, reference mode, VOC): fp32
 *       within 1e-4 and the same tags, and the device's fp16 drift.
 * </ol>
 *
 * <p>With {@code --device cpu} a reduced set runs (batches 1–4, 6 photos with long side 320–512, TagCLIP in fp32
 * only) that finishes in minutes on a 2-core machine; the peak there is the same run's plain matMul.
 */
public final class GpuBenchmark {

    /**
     * Dense bf16 tensor peaks in TFLOP/s by device name (vendor data sheets, without sparsity), most specific first.
     */
    static final Map<String, Double> PEAKS = peaks();

    private static final long SEED = 20231220L;
    private static final double TERA = 1e12;

    private GpuBenchmark() {}

    private static Map<String, Double> peaks() {
        Map<String, Double> peaks = new LinkedHashMap<>();
        peaks.put("H200", 989.0);
        peaks.put("H100 PCIE", 756.0);
        peaks.put("H100 NVL", 835.0);
        peaks.put("H100", 989.0); // SXM
        peaks.put("A100", 312.0);
        peaks.put("L40S", 362.0);
        peaks.put("L4", 121.0);
        peaks.put("A10G", 70.0);
        peaks.put("A10", 125.0);
        return peaks;
    }

    public static void main(String[] args) throws IOException, FetchException {
        String deviceName = "auto";
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--device") && i + 1 < args.length) {
                deviceName = args[++i];
            } else {
                throw new IllegalArgumentException("usage: bin/bench-gpu [--device auto|gpu|cpu], got " + args[i]);
            }
        }
        Device device = ClipOptions.parse(deviceName, "fp32").resolveDevice();
        boolean gpu = device.isGpu();
        long started = System.nanoTime();
        ClipConfig config = ClipConfig.vitB16();

        String name = gpu ? gpuName() : cpuName();
        Double peak = gpu ? peakOf(name) : null;
        System.out.printf(
                Locale.ROOT,
                "device: %s (%s), engine %s%n",
                device,
                name,
                Engine.getInstance().getEngineName());
        double cpuMatMul = Double.NaN;
        try (NDManager manager = NDManager.newBaseManager(device)) {
            cpuMatMul = matMulTflops(manager, DataType.FLOAT32);
        }
        if (gpu) {
            System.out.println(
                    peak == null
                            ? "dense bf16 peak: unknown for this device (add it to GpuBenchmark.PEAKS); shares not printed"
                            : String.format(Locale.ROOT, "dense bf16 peak: %.0f TFLOP/s (data sheet)", peak));
        } else {
            peak = cpuMatMul;
            System.out.printf(
                    Locale.ROOT,
                    "CPU run (reduced set); shares are of this run's fp32 matMul [1576,768]x[768,3072]: %.3f TFLOP/s%n",
                    cpuMatMul);
        }

        int[] batches = gpu ? new int[] {1, 8, 32, 64, 128, 256} : new int[] {1, 4};
        List<ImageRequest> photos = gpu ? PhotoMix.draw(64, 320, 1024, SEED) : PhotoMix.draw(6, 320, 512, SEED);
        int streamBatch = gpu ? 32 : 4;
        LongSupplier memory = gpu ? () -> CudaUtils.getGpuMemory(device).getUsed() : GpuBenchmark::peakRssBytes;

        System.out.println();
        System.out.println("| plain CLIP 224×224 | batch | ms/batch | images/s | TFLOP/s | share of peak |");
        System.out.println("|---|---|---|---|---|---|");
        List<String[]> streamRows = new ArrayList<>();
        for (DataType dtype : List.of(DataType.FLOAT32, DataType.FLOAT16)) {
            try (ClipModel model = RandomClip.randomWeights(config, SEED, new ClipOptions(device, dtype));
                    NDManager manager = NDManager.newBaseManager(device)) {
                for (int batch : batches) {
                    double seconds = plainSeconds(model, manager, batch, gpu ? 5 : 1);
                    double tflops = batch * FlopCount.classTokenPass(config, config.visionTokens()) / seconds / TERA;
                    System.out.printf(
                            Locale.ROOT,
                            "| %s | %d | %.1f | %.2f | %.3f | %s |%n",
                            label(dtype),
                            batch,
                            seconds * 1e3,
                            batch / seconds,
                            tflops,
                            share(tflops, peak));
                }
                if (gpu || dtype == DataType.FLOAT32) {
                    for (PipelineSettings.Mode mode : PipelineSettings.Mode.values()) {
                        MixedStreamRun run = MixedStreamRun.run(model, mode, streamBatch, photos, memory);
                        streamRows.add(streamRow(config, dtype, mode, streamBatch, run, peak, gpu));
                    }
                }
            }
        }
        System.out.println("| bf16 | — | — | — | — | refused: DJL 0.35.1's PyTorch JNI has no bfloat16 |");

        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "TagCLIP on %d photos of mixed sizes (long side %s, seeded), VOC, text features excluded:%n",
                photos.size(),
                gpu ? "320-1024" : "320-512");
        System.out.println("| dtype | mode | batch | images/s | first-pass forwards | crops | crops per crop forward "
                + "| TFLOP/s | share of peak | " + (gpu ? "GPU memory peak MiB" : "peak RSS MiB") + " |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        streamRows.forEach(row -> System.out.println("| " + String.join(" | ", row) + " |"));

        System.out.println();
        parity(device);
        System.out.printf(Locale.ROOT, "%nwhole run: %.0f s%n", (System.nanoTime() - started) / 1e9);
    }

    private static String[] streamRow(
            ClipConfig config,
            DataType dtype,
            PipelineSettings.Mode mode,
            int batch,
            MixedStreamRun run,
            Double peak,
            boolean gpu) {
        double tflops = (run.firstPassFlops(config) + run.cropFlops(config)) / run.seconds() / TERA;
        return new String[] {
            label(dtype),
            mode.name().toLowerCase(Locale.ROOT),
            mode == PipelineSettings.Mode.REFERENCE ? "1" : String.valueOf(batch),
            String.format(Locale.ROOT, "%.3f", run.images() / run.seconds()),
            String.valueOf(run.firstPassForwards()),
            String.valueOf(run.crops()),
            run.cropForwards() == 0
                    ? "—"
                    : String.format(Locale.ROOT, "%.1f", (double) run.crops() / run.cropForwards()),
            String.format(Locale.ROOT, "%.3f", tflops),
            share(tflops, peak),
            String.valueOf(run.memoryPeak() >> 20)
        };
    }

    /** CPU against the device on the golden images: fp32 parity (≤ 1e-4, same tags) and the device's fp16 drift. */
    private static void parity(Device device) {
        Path golden = PrecisionDrift.goldenModel();
        List<String> images = Golden.IMAGES;
        Map<String, TagResult.Tagged> cpu = PrecisionDrift.run(
                golden, Device.cpu(), DataType.FLOAT32, PipelineSettings.Mode.REFERENCE, "voc2007", images);
        System.out.println(
                "Golden images (tiny oracle model, reference mode, VOC), " + device + " against the CPU " + "in fp32:");
        System.out.println("| run | image | max score drift | same tags | verdict |");
        System.out.println("|---|---|---|---|---|");
        for (DataType dtype : List.of(DataType.FLOAT32, DataType.FLOAT16)) {
            Map<String, TagResult.Tagged> run =
                    PrecisionDrift.run(golden, device, dtype, PipelineSettings.Mode.REFERENCE, "voc2007", images);
            for (PrecisionDrift.ImageDrift d : PrecisionDrift.compare(run, cpu)) {
                String verdict = dtype == DataType.FLOAT32
                        ? (d.maxScoreDrift() <= 1e-4 && d.sameTags() ? "ok (≤ 1e-4)" : "FAIL (> 1e-4 or tags)")
                        : (d.sameTags() ? "tags kept" : "TAGS CHANGED");
                System.out.printf(
                        Locale.ROOT,
                        "| %s %s | %s | %.2e | %s | %s |%n",
                        device,
                        label(dtype),
                        d.image(),
                        d.maxScoreDrift(),
                        d.sameTags(),
                        verdict);
            }
        }
    }

    /** Median seconds of one plain CLIP forward at 224 of {@code batch} images, after one warm-up. */
    private static double plainSeconds(ClipModel model, NDManager manager, int batch, int runs) {
        int size = model.config().imageSize();
        try (NDManager scope = manager.newSubManager()) {
            NDArray images = scope.randomNormal(new Shape(batch, 3, size, size));
            double[] times = new double[runs];
            for (int r = -1; r < runs; r++) {
                try (NDManager call = scope.newSubManager()) {
                    long t0 = System.nanoTime();
                    NDArray out = model.encodeImage(images);
                    out.attach(call);
                    out.toFloatArray(); // a host copy waits for the device
                    if (r >= 0) {
                        times[r] = (System.nanoTime() - t0) / 1e9;
                    }
                }
            }
            Arrays.sort(times);
            return times[runs / 2];
        }
    }

    /** TFLOP/s of the MLP-sized matMul [1576,768]x[768,3072] (batch 8 at 224) in {@code dtype}. */
    static double matMulTflops(NDManager manager, DataType dtype) {
        int rows = 8 * 197;
        int inner = 768;
        int cols = 3072;
        try (NDManager scope = manager.newSubManager()) {
            NDArray a = scope.randomNormal(new Shape(rows, inner)).toType(dtype, false);
            NDArray b = scope.randomNormal(new Shape(inner, cols)).toType(dtype, false);
            long warm = System.nanoTime();
            while (System.nanoTime() - warm < 2_000_000_000L) { // thread pool and caches warm, as in the passes
                a.matMul(b).close();
            }
            double[] times = new double[9];
            for (int r = 0; r < times.length; r++) {
                long t0 = System.nanoTime();
                try (NDArray c = a.matMul(b)) {
                    c.get(0, 0).toFloatArray(); // wait for the device
                }
                times[r] = (System.nanoTime() - t0) / 1e9;
            }
            Arrays.sort(times);
            return 2.0 * rows * inner * cols / times[times.length / 2] / TERA;
        }
    }

    static Double peakOf(String deviceName) {
        String upper = deviceName.toUpperCase(Locale.ROOT);
        for (Map.Entry<String, Double> e : PEAKS.entrySet()) {
            if (upper.contains(e.getKey())) {
                return e.getValue();
            }
        }
        return null;
    }

    private static String share(double tflops, Double peak) {
        return peak == null ? "unknown peak" : String.format(Locale.ROOT, "%.1f %%", 100 * tflops / peak);
    }

    private static String label(DataType dtype) {
        return dtype == DataType.FLOAT16 ? "fp16" : "fp32";
    }

    private static long peakRssBytes() {
        try {
            return TagBenchmark.statusKib("VmHWM") << 10;
        } catch (IOException e) {
            return -1;
        }
    }

    /** The GPU's name from {@code nvidia-smi}, or a placeholder when it cannot be run. */
    private static String gpuName() {
        try {
            Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=name", "--format=csv,noheader")
                    .redirectErrorStream(true)
                    .start();
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line = out.readLine();
                return line == null ? "GPU, name unknown" : line.trim();
            }
        } catch (IOException e) {
            return "GPU, name unknown (nvidia-smi: " + e.getMessage() + ")";
        }
    }

    private static String cpuName() throws IOException {
        String model = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                .filter(l -> l.startsWith("model name"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim())
                .findFirst()
                .orElse("unknown CPU");
        return model + ", " + Runtime.getRuntime().availableProcessors() + " cores";
    }
}
