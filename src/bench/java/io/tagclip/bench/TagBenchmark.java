package io.tagclip.bench;

import ai.djl.ndarray.types.Shape;
import io.tagclip.batch.BatchingPolicy;
import io.tagclip.clip.ClipConfig;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.ClipOptions;
import io.tagclip.clip.RandomClip;
import io.tagclip.fetch.FetchException;
import io.tagclip.fetch.ImageDecoder;
import io.tagclip.image.RgbImage;
import io.tagclip.inference.ClipModelBackbone;
import io.tagclip.inference.PipelineSettings;
import io.tagclip.inference.Pipelines;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.tagging.DecisionOptions;
import io.tagclip.tagging.TagClipParams;
import io.tagclip.vocab.TextTable;
import io.tagclip.vocab.Vocabularies;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Images per second of TagCLIP tagging through {@link Pipelines#tagClip} with real ViT-B/16 dimensions and random
 * weights ({@link RandomClip#randomWeights}), in reference mode (each image at its own size, one crop per forward) and
 * throughput mode (shape buckets, pooled crop forwards) at several batch sizes, with the default buckets
 * ({@link BatchingPolicy#DEFAULT}) and the coarse ones ({@link BatchingPolicy#COARSE}). Run with {@code bin/bench-tag}.
 *
 * <pre>
 * bin/bench-tag [IMAGES=32] [REPEATS=1] [BATCHES=1,8,32] [CASES=reference,default,coarse]
 * </pre>
 *
 * CASES picks the rows: {@code reference} mode, and throughput mode with the {@code default} or {@code coarse}
 * buckets; without {@code reference} the speed-up column is empty.
 *
 * Inputs are the fixture's golden photos ({@code src/test/resources/tagclip-tiny/images}), cycled to IMAGES requests.
 * Vocabulary voc2007 (20 classes + 25 background); its text features are random unit rows, built once before timing
 * (text-feature computation runs once per vocabulary, not per image, and is excluded). Each case is warmed up with one
 * untimed call, then all images are tagged REPEATS times in pipeline calls of BATCH images. Besides wall time it
 * reports the process's CPU seconds per image, which a busy shared machine disturbs less. Random weights give
 * arbitrary CWR candidate counts, so absolute numbers depend on the weights as well as the machine; the ratio of the
 * modes on the same weights is the figure to read.
 */
public final class TagBenchmark {

    private static final Path IMAGES = Path.of("src/test/resources/tagclip-tiny/images");
    private static final long SEED = 20231220L;

    /** USER_HZ, the unit of the CPU times in /proc/self/stat (100 on Linux x86-64). */
    private static final int CLOCK_TICKS = 100;

    /** Indices in /proc/self/stat from the state field: minflt, utime, stime (proc(5) fields 10, 14, 15). */
    private static final int STAT_MINOR_FAULTS = 7;

    private static final int STAT_USER_TICKS = 11;
    private static final int STAT_SYSTEM_TICKS = 12;

    private TagBenchmark() {}

    public static void main(String[] args) throws IOException, FetchException {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 32;
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int[] batches = args.length > 2
                ? Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray()
                : new int[] {1, 8, 32};
        List<String> cases = List.of((args.length > 3 ? args[3] : "reference,default,coarse").split(","));
        List<ImageRequest> requests = requests(count);
        System.out.printf(
                Locale.ROOT,
                "cores %d, max heap %d MiB, %d images (%d distinct), %d repeat(s)%n",
                Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20,
                count,
                Math.min(count, distinctImages().size()),
                repeats);

        long start = System.nanoTime();
        try (ClipModel model = RandomClip.randomWeights(ClipConfig.vitB16(), SEED, ClipOptions.defaults())) {
            System.out.printf(
                    Locale.ROOT,
                    "random ViT-B/16 built in %.1f s on %s; RSS %d MiB%n%n",
                    (System.nanoTime() - start) / 1e9,
                    model.device(),
                    statusKib("VmRSS") >> 10);
            System.out.println("| mode | sizes | batch | wall s | images/s | speed-up vs reference | CPU s/image "
                    + "| peak RSS MiB |");
            System.out.println("|---|---|---|---|---|---|---|---|");
            double reference = cases.contains("reference")
                    ? run(
                            model,
                            PipelineSettings.Mode.REFERENCE,
                            BatchingPolicy.DEFAULT,
                            1,
                            requests,
                            repeats,
                            Double.NaN)
                    : Double.NaN;
            // "default" and "coarse" as the CLI and the service run them on this device; "padded" forces the
            // accelerator's padded mixed-size forwards (on a GPU it is the same as "default").
            boolean accelerator = model.device().isGpu();
            Map<String, BatchingPolicy> throughputCases = new LinkedHashMap<>();
            throughputCases.put("default", BatchingPolicy.DEFAULT.forDevice(accelerator));
            throughputCases.put("padded", BatchingPolicy.DEFAULT);
            throughputCases.put("coarse", BatchingPolicy.COARSE.forDevice(accelerator));
            for (Map.Entry<String, BatchingPolicy> sizes : throughputCases.entrySet()) {
                if (!cases.contains(sizes.getKey())) {
                    continue;
                }
                for (int batch : batches) {
                    run(model, PipelineSettings.Mode.THROUGHPUT, sizes.getValue(), batch, requests, repeats, reference);
                }
            }
        }
    }

    /** Times one case and prints its row; returns images/s. */
    private static double run(
            ClipModel model,
            PipelineSettings.Mode mode,
            BatchingPolicy sizes,
            int batch,
            List<ImageRequest> requests,
            int repeats,
            double reference)
            throws IOException {
        PipelineSettings settings = new PipelineSettings(
                Vocabularies.VOC2007,
                TagClipParams.REFERENCE,
                DecisionOptions.REFERENCE,
                true,
                mode,
                sizes.withMaxImagesPerForward(batch));
        try (TaggingPipeline pipeline = Pipelines.tagClip(
                new ClipModelBackbone(model),
                randomText(),
                "random-vit-b16",
                "random",
                Vocabularies.builtIn(),
                settings,
                model.manager().newSubManager())) {
            pipeline.warmUp(); // text features and first-call overheads
            check(pipeline.tag(requests.subList(0, 1)));
            long start = System.nanoTime();
            double cpuStart = processCpuSeconds();
            for (int r = 0; r < repeats; r++) {
                for (int from = 0; from < requests.size(); from += batch) {
                    check(pipeline.tag(requests.subList(from, Math.min(requests.size(), from + batch))));
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double cpuPerImage = (processCpuSeconds() - cpuStart) / (requests.size() * repeats);
            double perSecond = requests.size() * repeats / seconds;
            String sizing = mode == PipelineSettings.Mode.REFERENCE
                    ? "own size"
                    : "long side <= " + sizes.maxLongSide() + ", step " + sizes.sizeStep() + ", padding <= "
                            + Math.round(100 * sizes.maxPaddingShare()) + " %";
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %s | %d | %.1f | %.3f | %s | %.2f | %d |%n",
                    mode.name().toLowerCase(Locale.ROOT),
                    sizing,
                    batch,
                    seconds,
                    perSecond,
                    mode == PipelineSettings.Mode.REFERENCE
                            ? "1.00"
                            : Double.isNaN(reference) ? "" : String.format(Locale.ROOT, "%.2f", perSecond / reference),
                    cpuPerImage,
                    statusKib("VmHWM") >> 10);
            return perSecond;
        }
    }

    static void check(List<TagResult> results) {
        for (TagResult result : results) {
            if (result instanceof TagResult.Failed failed) {
                throw new IllegalStateException("tagging failed: " + failed.message());
            }
        }
    }

    /** Random unit text rows, the same for the same name: [names, E]. */
    static TextTable.NameEmbedder randomText() {
        return (names, manager) -> {
            int width = ClipConfig.vitB16().embedDim();
            float[] rows = new float[names.size() * width];
            for (int n = 0; n < names.size(); n++) {
                SplittableRandom random =
                        new SplittableRandom(SEED ^ names.get(n).hashCode());
                double norm = 0;
                for (int e = 0; e < width; e++) {
                    float v = (float) random.nextGaussian();
                    rows[n * width + e] = v;
                    norm += v * v;
                }
                for (int e = 0; e < width; e++) {
                    rows[n * width + e] /= (float) Math.sqrt(norm);
                }
            }
            return manager.create(rows, new Shape(names.size(), width)); // [names,E]
        };
    }

    private static List<Path> distinctImages() throws IOException {
        try (Stream<Path> files = Files.list(IMAGES)) {
            return files.filter(f -> f.toString().endsWith(".png")).sorted().toList();
        }
    }

    static List<ImageRequest> requests(int count) throws IOException, FetchException {
        List<Path> files = distinctImages();
        ImageDecoder decoder = new ImageDecoder(36_000_000L, false);
        List<RgbImage> images = new ArrayList<>();
        for (Path file : files) {
            images.add(decoder.decode(Files.readAllBytes(file), file.toString(), null));
        }
        List<ImageRequest> requests = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            requests.add(ImageRequest.of(
                    files.get(i % files.size()).getFileName() + "#" + i, images.get(i % images.size())));
        }
        return requests;
    }

    /**
     * User + system CPU time of the whole process (libtorch's native threads included) from /proc/self/stat, so that
     * a busy shared machine shows up as wall time, not as CPU time.
     */
    static double processCpuSeconds() throws IOException {
        return (processStat(STAT_USER_TICKS) + processStat(STAT_SYSTEM_TICKS)) / (double) CLOCK_TICKS;
    }

    /** System (kernel) CPU time of the whole process: page faults show up here. */
    static double processSystemSeconds() throws IOException {
        return processStat(STAT_SYSTEM_TICKS) / (double) CLOCK_TICKS;
    }

    /** Minor page faults of the whole process so far: each is a page the kernel had to map in (and zero). */
    static long processMinorFaults() throws IOException {
        return processStat(STAT_MINOR_FAULTS);
    }

    /** Field {@code index} of /proc/self/stat, counted from the state field (index 0) after the command name. */
    private static long processStat(int index) throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[index]);
    }

    /** A value in KiB from /proc/self/status (VmRSS = resident now, VmHWM = peak resident). */
    static long statusKib(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(key + ":")) {
                return Long.parseLong(line.substring(key.length() + 1).trim().split("\\s+")[0]);
            }
        }
        throw new IOException(key + " not found in /proc/self/status");
    }
}
