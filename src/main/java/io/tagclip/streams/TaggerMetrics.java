package io.tagclip.streams;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The service's meters, one per stage. Names as Prometheus shows them: {@code tagger_batch_size_images},
 * {@code tagger_fetch_seconds{outcome}}, {@code tagger_inference_queue_seconds}, {@code tagger_inference_seconds},
 * {@code tagger_inference_images}, {@code tagger_flush_seconds}, {@code tagger_images_total{result}},
 * {@code tagger_failures_total{reason}}, {@code tagger_images_in_flight}, {@code tagger_answers_total{method}} (which
 * method answered each tagged image: with online CDUL, the head's share is {@code method="cdul"}),
 * {@code tagger_online_samples_total} (training samples written), and, from the app's online trainer,
 * {@code tagger_online_retrain_seconds{result}} (the app also adds
 * {@code tagger_inference_queued_batches}).
 */
public final class TaggerMetrics {

    private final MeterRegistry registry;
    private final DistributionSummary batchSize;
    private final DistributionSummary inferenceImages;
    private final Timer queueWait;
    private final Timer inference;
    private final Timer flush;
    private final Counter tagged;
    private final Counter samples;
    private final AtomicInteger inFlight;

    public TaggerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.batchSize = DistributionSummary.builder("tagger.batch.size")
                .description("References per flushed batch")
                .baseUnit("images")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64)
                .register(registry);
        this.inferenceImages = DistributionSummary.builder("tagger.inference.images")
                .description("Images per pipeline call after coalescing the batches of all stream threads")
                .baseUnit("images")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64)
                .register(registry);
        this.queueWait = Timer.builder("tagger.inference.queue")
                .description("Time a batch waited for the inference worker")
                .publishPercentileHistogram()
                .register(registry);
        this.inference = Timer.builder("tagger.inference")
                .description("Pipeline time per call")
                .publishPercentileHistogram()
                .register(registry);
        this.flush = Timer.builder("tagger.flush")
                .description("Time a stream thread spent flushing one batch (fetch + inference)")
                .publishPercentileHistogram()
                .register(registry);
        this.tagged = Counter.builder("tagger.images")
                .tag("result", "tagged")
                .description("Images processed")
                .register(registry);
        this.samples = Counter.builder("tagger.online.samples")
                .description("Online training samples written to the samples topic")
                .register(registry);
        this.inFlight = registry.gauge("tagger.images.in.flight", new AtomicInteger());
    }

    /** Meters that go nowhere, for tests and tools. */
    public static TaggerMetrics noop() {
        return new TaggerMetrics(new SimpleMeterRegistry());
    }

    public void batchFlushed(int size, long nanos) {
        batchSize.record(size);
        flush.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void fetched(String outcome, long nanos) {
        Timer.builder("tagger.fetch")
                .description("Fetching and decoding one image, by outcome")
                .tag("outcome", outcome)
                .publishPercentileHistogram()
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    public void inferred(int images, long queueNanos, long inferenceNanos) {
        inferenceImages.record(images);
        queueWait.record(queueNanos, TimeUnit.NANOSECONDS);
        inference.record(inferenceNanos, TimeUnit.NANOSECONDS);
    }

    public void tagged() {
        tagged.increment();
    }

    /** A tagged image answered by {@code method} (for the head's share under online CDUL). */
    public void answeredBy(String method) {
        Counter.builder("tagger.answers")
                .description("Tagged images by the method that answered")
                .tag("method", method)
                .register(registry)
                .increment();
    }

    /** One training sample written. */
    public void sampleRecorded() {
        samples.increment();
    }

    /** One retrain finished: {@code result} is accepted, rejected or failed. */
    public void retrained(String result, long nanos) {
        Timer.builder("tagger.online.retrain")
                .description("Online head retrains, by result")
                .tag("result", result)
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    public void failed(String reason) {
        registry.counter("tagger.images", "result", "failed").increment();
        Counter.builder("tagger.failures")
                .description("Dead letters by reason")
                .tag("reason", reason)
                .register(registry)
                .increment();
    }

    /** Images fetched, decoded or inferred right now; call with +n when they start and -n when they are done. */
    public void inFlight(int delta) {
        inFlight.addAndGet(delta);
    }

    /**
     * Registers the gauges of a GPU's memory ({@code tagger_gpu_memory_used_bytes} and {@code ..._total_bytes}, tagged
     * with {@code device}); the suppliers read the device's current figures.
     */
    public static void gpuMemory(MeterRegistry registry, String device, Supplier<Number> used, Supplier<Number> total) {
        Gauge.builder("tagger.gpu.memory.used", used)
                .description("GPU memory in use on the model's device (all processes)")
                .baseUnit("bytes")
                .tag("device", device)
                .register(registry);
        Gauge.builder("tagger.gpu.memory.total", total)
                .description("GPU memory of the model's device")
                .baseUnit("bytes")
                .tag("device", device)
                .register(registry);
    }

    /**
     * Registers {@code tagger_online_head{version}}, 1 for the CDUL head in service ({@code teacher} before one is):
     * an info gauge whose earlier version's series is dropped at each switch. Returns what to call with the new
     * version at every switch.
     */
    public static Consumer<String> onlineHead(MeterRegistry registry) {
        MultiGauge gauge = MultiGauge.builder("tagger.online.head")
                .description("The online CDUL head in service on this instance (1, tagged with its version)")
                .register(registry);
        return version -> gauge.register(List.of(MultiGauge.Row.of(Tags.of("version", version), 1)), true);
    }

    public MeterRegistry registry() {
        return registry;
    }
}
