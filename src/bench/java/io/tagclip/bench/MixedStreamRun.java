package io.tagclip.bench;

import io.tagclip.batch.BatchingPolicy;
import io.tagclip.clip.ClipConfig;
import io.tagclip.clip.ClipModel;
import io.tagclip.inference.ClipModelBackbone;
import io.tagclip.inference.PipelineSettings;
import io.tagclip.inference.Pipelines;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.tagging.DecisionOptions;
import io.tagclip.tagging.TagClipParams;
import io.tagclip.vocab.Vocabularies;
import java.io.IOException;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Tags a list of photos through {@link Pipelines#tagClip} on a model (random text features, VOC vocabulary, text
 * excluded from the timing) in calls of {@code batch} images, and keeps every forward it ran with its time, so a
 * benchmark can count FLOPs per kind of forward ({@link FlopCount}).
 *
 * @param seconds     wall time of all calls (after one untimed warm-up call)
 * @param cpuSeconds  process CPU time over the same span
 * @param images      photos tagged
 * @param forwards    first passes and crop forwards, in call order
 * @param memoryPeak  largest value {@code memory} reported after a call (bytes), or -1 without a probe
 * @param systemSeconds kernel CPU time of the process over the same span
 * @param minorFaults minor page faults of the process over the same span
 */
record MixedStreamRun(
        double seconds,
        double cpuSeconds,
        int images,
        List<CountingBackbone.Forward> forwards,
        long memoryPeak,
        double systemSeconds,
        long minorFaults) {

    /** Runs {@code requests} in {@code mode} ({@code batch} images per call in throughput mode). */
    static MixedStreamRun run(
            ClipModel model, PipelineSettings.Mode mode, int batch, List<ImageRequest> requests, LongSupplier memory)
            throws IOException {
        BatchingPolicy sizes = BatchingPolicy.DEFAULT.forDevice(model.device().isGpu()); // as the CLI and service
        int perCall = mode == PipelineSettings.Mode.REFERENCE ? 1 : batch;
        PipelineSettings settings = new PipelineSettings(
                Vocabularies.VOC2007,
                TagClipParams.REFERENCE,
                DecisionOptions.REFERENCE,
                true,
                mode,
                new BatchingPolicy(
                        sizes.maxLongSide(),
                        sizes.sizeStep(),
                        perCall,
                        Math.max(sizes.maxCropsPerForward(), perCall),
                        sizes.maxAttentionMib(),
                        sizes.maxPaddingShare()));
        CountingBackbone backbone = new CountingBackbone(new ClipModelBackbone(model));
        try (TaggingPipeline pipeline = Pipelines.tagClip(
                backbone,
                TagBenchmark.randomText(),
                "random-vit-b16",
                "random",
                Vocabularies.builtIn(),
                settings,
                model.manager().newSubManager())) {
            pipeline.warmUp();
            TagBenchmark.check(pipeline.tag(requests.subList(0, 1)));
            backbone.reset();
            long peak = -1;
            long start = System.nanoTime();
            double cpuStart = TagBenchmark.processCpuSeconds();
            double systemStart = TagBenchmark.processSystemSeconds();
            long faultsStart = TagBenchmark.processMinorFaults();
            for (int from = 0; from < requests.size(); from += perCall) {
                TagBenchmark.check(pipeline.tag(requests.subList(from, Math.min(requests.size(), from + perCall))));
                if (memory != null) {
                    peak = Math.max(peak, memory.getAsLong());
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return new MixedStreamRun(
                    seconds,
                    TagBenchmark.processCpuSeconds() - cpuStart,
                    requests.size(),
                    backbone.forwards(),
                    peak,
                    TagBenchmark.processSystemSeconds() - systemStart,
                    TagBenchmark.processMinorFaults() - faultsStart);
        }
    }

    /** FLOPs of the first passes (all tokens projected). */
    double firstPassFlops(ClipConfig c) {
        return forwards.stream()
                .filter(f -> !f.crop())
                .mapToDouble(f -> f.batch() * FlopCount.firstPass(c, f.tokens()))
                .sum();
    }

    /** FLOPs of the CWR crop forwards (class token projected). */
    double cropFlops(ClipConfig c) {
        return forwards.stream()
                .filter(CountingBackbone.Forward::crop)
                .mapToDouble(f -> f.batch() * FlopCount.classTokenPass(c, f.tokens()))
                .sum();
    }

    double firstPassSeconds() {
        return forwards.stream()
                        .filter(f -> !f.crop())
                        .mapToLong(CountingBackbone.Forward::nanos)
                        .sum()
                / 1e9;
    }

    double cropSeconds() {
        return forwards.stream()
                        .filter(CountingBackbone.Forward::crop)
                        .mapToLong(CountingBackbone.Forward::nanos)
                        .sum()
                / 1e9;
    }

    long crops() {
        return forwards.stream()
                .filter(CountingBackbone.Forward::crop)
                .mapToLong(CountingBackbone.Forward::batch)
                .sum();
    }

    long cropForwards() {
        return forwards.stream().filter(CountingBackbone.Forward::crop).count();
    }

    long firstPassForwards() {
        return forwards.stream().filter(f -> !f.crop()).count();
    }
}
