package io.tagclip.bench;

import ai.djl.ndarray.types.DataType;
import io.tagclip.clip.BlockOpProfile;
import io.tagclip.clip.ClipConfig;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.ClipOptions;
import io.tagclip.clip.RandomClip;
import io.tagclip.fetch.FetchException;
import io.tagclip.inference.PipelineSettings;
import io.tagclip.pipeline.ImageRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * How close TagCLIP runs to the machine's matrix-multiply speed on the CPU: random ViT-B/16 weights, fp32, VOC
 * vocabulary (text features excluded), on a {@link PhotoMix} of photos with long sides 320–768. Run with
 * {@code bin/bench-cpu}.
 *
 * <pre>
 * bin/bench-cpu [IMAGES=10] [BATCHES=1,8] [TOKENS=197,577,1025,1537]
 * </pre>
 *
 * <ol>
 *   <li>A same-run matMul of the MLP's shape class, [1576,768]×[768,3072], timed before, between and after the
 *       pipelines; the fastest of these is the 100 % of the share columns (this machine's speed varies by ±40 %
 *       within a run, and the fastest is the bound the pipeline is held to).
 *   <li>Per-op milliseconds of one first-pass block at each of TOKENS tokens ({@link BlockOpProfile}): where a
 *       block's time goes as images grow.
 *   <li>The pipeline in reference mode and in throughput mode at each of BATCHES images per call, with GFLOP/s
 *       ({@link FlopCount}: matrix products only) of the first passes by token range, of the CWR crop forwards, of
 *       all forwards and of the whole pipeline (every FLOP over the calls' wall time, host steps included), each
 *       as a share of the matMul; plus the process's kernel CPU seconds and minor page faults over the case, which
 *       show what the native allocator costs.
 * </ol>
 *
 * With random weights the number of CWR crops is arbitrary; the table prints it.
 */
public final class CpuEfficiency {

    private static final long SEED = 20231220L;
    private static final long PHOTO_SEED = 17L;

    /** Upper ends of the first-pass token ranges reported apart (the last range is open). */
    private static final long[] TOKEN_RANGES = {400, 800, 1200};

    private CpuEfficiency() {}

    public static void main(String[] args) throws IOException, FetchException {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int[] batches = ints(args.length > 1 ? args[1] : "1,8");
        int[] tokens = ints(args.length > 2 ? args[2] : "197,577,1025,1537");
        List<ImageRequest> photos = PhotoMix.draw(count, 320, 768, PHOTO_SEED);
        System.out.printf(
                Locale.ROOT,
                "cores %d; GLIBC_TUNABLES=%s; %d photos, long side 320-768 (seed %d)%n",
                Runtime.getRuntime().availableProcessors(),
                System.getenv().getOrDefault("GLIBC_TUNABLES", "(unset)"),
                photos.size(),
                PHOTO_SEED);
        try (ClipModel model = RandomClip.randomWeights(ClipConfig.vitB16(), SEED, ClipOptions.defaults())) {
            ClipConfig c = model.config();
            List<Double> matMuls = new ArrayList<>(List.of(matMulGflops(model)));
            opTable(model, tokens);
            matMuls.add(matMulGflops(model));

            List<Map.Entry<String, MixedStreamRun>> runs = new ArrayList<>();
            List<Long> residentAfter = new ArrayList<>();
            runs.add(Map.entry(
                    "reference", MixedStreamRun.run(model, PipelineSettings.Mode.REFERENCE, 1, photos, null)));
            residentAfter.add(TagBenchmark.statusKib("VmRSS") >> 10);
            matMuls.add(matMulGflops(model));
            for (int batch : batches) {
                runs.add(Map.entry(
                        "throughput, batch " + batch,
                        MixedStreamRun.run(model, PipelineSettings.Mode.THROUGHPUT, batch, photos, null)));
                residentAfter.add(TagBenchmark.statusKib("VmRSS") >> 10);
                matMuls.add(matMulGflops(model));
            }
            double matMul =
                    matMuls.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            System.out.printf(
                    Locale.ROOT,
                    "matMul [1576,768]x[768,3072], GFLOP/s: %s; shares are of the fastest, %.0f GFLOP/s%n%n",
                    matMuls.stream()
                            .map(g -> String.format(Locale.ROOT, "%.0f", g))
                            .toList(),
                    matMul);
            System.out.println("| mode | part | forwards | images | GFLOP | s | GFLOP/s | % of matMul |");
            System.out.println("|---|---|---|---|---|---|---|---|");
            for (Map.Entry<String, MixedStreamRun> run : runs) {
                pipelineRows(run.getKey(), run.getValue(), c, matMul);
            }
            System.out.println();
            System.out.println("| mode | wall s | CPU s | kernel CPU s | minor faults | crops | RSS after, MiB |");
            System.out.println("|---|---|---|---|---|---|---|");
            for (int i = 0; i < runs.size(); i++) {
                MixedStreamRun r = runs.get(i).getValue();
                System.out.printf(
                        Locale.ROOT,
                        "| %s | %.1f | %.1f | %.1f | %d | %d | %d |%n",
                        runs.get(i).getKey(),
                        r.seconds(),
                        r.cpuSeconds(),
                        r.systemSeconds(),
                        r.minorFaults(),
                        r.crops(),
                        residentAfter.get(i));
            }
            System.out.printf(Locale.ROOT, "%npeak RSS %d MiB%n", TagBenchmark.statusKib("VmHWM") >> 10);
        }
    }

    /** One row per first-pass token range, then crops, all forwards and the whole pipeline. */
    private static void pipelineRows(String mode, MixedStreamRun run, ClipConfig c, double matMul) {
        long low = 0;
        for (int i = 0; i <= TOKEN_RANGES.length; i++) {
            long from = low + 1;
            long to = i < TOKEN_RANGES.length ? TOKEN_RANGES[i] : Long.MAX_VALUE;
            low = to;
            Predicate<CountingBackbone.Forward> inRange = f -> !f.crop() && f.tokens() >= from && f.tokens() <= to;
            String label = i < TOKEN_RANGES.length
                    ? "first passes, " + from + "-" + to + " tokens"
                    : "first passes, > " + TOKEN_RANGES[TOKEN_RANGES.length - 1] + " tokens";
            forwardRow(mode, label, run, inRange, c, matMul);
        }
        forwardRow(mode, "CWR crop forwards", run, CountingBackbone.Forward::crop, c, matMul);
        forwardRow(mode, "all forwards", run, f -> true, c, matMul);
        double flops = flops(run.forwards(), f -> true, c);
        row(mode, "**whole pipeline**", run.forwards().size(), run.images(), flops, run.seconds(), matMul);
    }

    private static void forwardRow(
            String mode,
            String label,
            MixedStreamRun run,
            Predicate<CountingBackbone.Forward> which,
            ClipConfig c,
            double matMul) {
        List<CountingBackbone.Forward> forwards =
                run.forwards().stream().filter(which).toList();
        if (forwards.isEmpty()) {
            return;
        }
        long images =
                forwards.stream().mapToLong(CountingBackbone.Forward::batch).sum();
        double seconds =
                forwards.stream().mapToLong(CountingBackbone.Forward::nanos).sum() / 1e9;
        row(mode, label, forwards.size(), images, flops(forwards, f -> true, c), seconds, matMul);
    }

    private static void row(
            String mode, String label, long forwards, long images, double flops, double seconds, double matMul) {
        double gflops = flops / seconds / 1e9;
        System.out.printf(
                Locale.ROOT,
                "| %s | %s | %d | %d | %.0f | %.1f | %.0f | %.0f %% |%n",
                mode,
                label,
                forwards,
                images,
                flops / 1e9,
                seconds,
                gflops,
                100 * gflops / matMul);
    }

    private static double flops(
            List<CountingBackbone.Forward> forwards, Predicate<CountingBackbone.Forward> which, ClipConfig c) {
        return forwards.stream()
                .filter(which)
                .mapToDouble(f -> f.batch()
                        * (f.crop() ? FlopCount.classTokenPass(c, f.tokens()) : FlopCount.firstPass(c, f.tokens())))
                .sum();
    }

    /** Milliseconds per op of one first-pass block, one column per token count. */
    private static void opTable(ClipModel model, int[] tokens) {
        Map<String, double[]> table = new LinkedHashMap<>();
        for (int t = 0; t < tokens.length; t++) {
            Map<String, Double> ms = BlockOpProfile.profile(model.manager(), model.config(), tokens[t]);
            for (Map.Entry<String, Double> op : ms.entrySet()) {
                table.computeIfAbsent(op.getKey(), k -> new double[tokens.length])[t] = op.getValue();
            }
        }
        StringBuilder header = new StringBuilder("| op (ms, one image, one block) |");
        StringBuilder rule = new StringBuilder("|---|");
        for (int t : tokens) {
            header.append(' ').append(t).append(" tokens |");
            rule.append("---|");
        }
        System.out.println(header);
        System.out.println(rule);
        double[] sums = new double[tokens.length];
        for (Map.Entry<String, double[]> op : table.entrySet()) {
            StringBuilder line = new StringBuilder("| ").append(op.getKey()).append(" |");
            for (int t = 0; t < tokens.length; t++) {
                line.append(String.format(Locale.ROOT, " %.2f |", op.getValue()[t]));
                sums[t] += op.getValue()[t];
            }
            System.out.println(line);
        }
        StringBuilder total = new StringBuilder("| **block** |");
        for (double sum : sums) {
            total.append(String.format(Locale.ROOT, " %.1f |", sum));
        }
        System.out.println(total);
        System.out.println();
    }

    private static double matMulGflops(ClipModel model) {
        return 1000 * GpuBenchmark.matMulTflops(model.manager(), DataType.FLOAT32);
    }

    private static int[] ints(String list) {
        return Arrays.stream(list.split(",")).mapToInt(Integer::parseInt).toArray();
    }
}
