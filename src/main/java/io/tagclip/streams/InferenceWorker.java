package io.tagclip.streams;

import io.tagclip.pipeline.FailureKind;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * The one thread per process that calls the {@link TaggingPipeline}. Stream threads hand it their batches through a
 * bounded queue and wait for the results (back-pressure: a full queue blocks the stream thread, which then stops
 * polling). The worker coalesces the queued batches of all stream threads into one pipeline call of at most
 * {@code maxImagesPerCall} images, which the pipeline may do because its results do not depend on batch-mates.
 *
 * <p>The worker does not retry: the pipeline keeps one bad image from failing its batch-mates (the
 * {@link TaggingPipeline} contract), so the worker's merging of batches cannot spread a failure. A caller
 * waits at most {@code timeout} (queue plus inference); past it its images fail with {@code INFERENCE_FAILED}, which
 * bounds the time a stream thread can spend in one flush.
 */
public final class InferenceWorker implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(InferenceWorker.class);

    private record Job(List<ImageRequest> requests, CompletableFuture<List<TagResult>> done, long enqueuedNanos) {}

    private final TaggingPipeline pipeline;
    private final int maxImagesPerCall;
    private final Duration timeout;
    private final TaggerMetrics metrics;
    private final BlockingQueue<Job> queue;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable fatal;

    public InferenceWorker(
            TaggingPipeline pipeline,
            int queueCapacity,
            int maxImagesPerCall,
            Duration timeout,
            TaggerMetrics metrics) {
        this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
        if (queueCapacity < 1 || maxImagesPerCall < 1) {
            throw new IllegalArgumentException("queueCapacity and maxImagesPerCall must be >= 1, got " + queueCapacity
                    + " and " + maxImagesPerCall);
        }
        this.maxImagesPerCall = maxImagesPerCall;
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.thread = new Thread(this::run, "tagger-inference");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Whether the worker thread is alive (for liveness). */
    public boolean isAlive() {
        return thread.isAlive() && fatal == null;
    }

    /** Batches waiting for the worker (for the queue gauge and tests). */
    public int queuedBatches() {
        return queue.size();
    }

    /**
     * Runs {@code requests} through the pipeline; blocks the caller until the results are in or {@code timeout}
     * has passed.
     *
     * @throws IllegalStateException when the worker died of an error (the stream thread must fail too)
     */
    public List<TagResult> infer(List<ImageRequest> requests) throws InterruptedException {
        if (requests.isEmpty()) {
            return List.of();
        }
        if (!isAlive()) {
            throw new IllegalStateException("inference worker is not running", fatal);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Job job = new Job(List.copyOf(requests), new CompletableFuture<>(), System.nanoTime());
        if (!queue.offer(job, timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            return allFailed(requests, "inference queue stayed full for " + timeout.toMillis() + " ms");
        }
        try {
            return job.done.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            job.done.cancel(false); // the worker skips it if it has not started
            return allFailed(requests, "no inference result within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw new IllegalStateException("inference worker failed", e.getCause());
        }
    }

    private void run() {
        List<Job> jobs = new ArrayList<>();
        try {
            while (running) {
                Job first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                jobs.add(first);
                int images = first.requests.size();
                Job next;
                while ((next = queue.peek()) != null && images + next.requests.size() <= maxImagesPerCall) {
                    jobs.add(queue.poll());
                    images += next.requests.size();
                }
                jobs.removeIf(job -> job.done.isDone()); // given up on by their callers
                process(jobs);
                jobs.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            fatal = t;
            LOG.error("inference worker stopped", t);
            jobs.forEach(job -> job.done.completeExceptionally(t));
            queue.forEach(job -> job.done.completeExceptionally(t));
            throw t;
        }
    }

    private void process(List<Job> jobs) {
        if (jobs.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        List<ImageRequest> all = new ArrayList<>();
        for (Job job : jobs) {
            all.addAll(job.requests);
        }
        List<TagResult> results = tagAll(all);
        long inferenceNanos = System.nanoTime() - start;
        int from = 0;
        for (Job job : jobs) {
            metrics.inferred(job.requests.size(), start - job.enqueuedNanos, inferenceNanos);
            job.done.complete(List.copyOf(results.subList(from, from + job.requests.size())));
            from += job.requests.size();
        }
    }

    /**
     * One pipeline call for all. The pipeline isolates a bad image itself (its contract; the runner retries shared
     * forwards image by image), so a call that throws or breaks the contract is a defect of the pipeline: every
     * image of the call fails with {@code INFERENCE_FAILED} naming the error, and the worker goes on.
     */
    private List<TagResult> tagAll(List<ImageRequest> requests) {
        try {
            return checked(requests, pipeline.tag(requests));
        } catch (RuntimeException e) {
            LOG.errorf(e, "pipeline failed on a call of %d images instead of failing single images", requests.size());
            return allFailed(requests, "pipeline failed on a call of " + requests.size() + " images: " + e);
        }
    }

    private static List<TagResult> checked(List<ImageRequest> requests, List<TagResult> results) {
        if (results == null || results.size() != requests.size()) {
            throw new IllegalStateException(
                    "pipeline returned " + (results == null ? "null" : results.size() + " results") + " for "
                            + requests.size() + " requests");
        }
        for (int i = 0; i < results.size(); i++) {
            if (!requests.get(i).id().equals(results.get(i).id())) {
                throw new IllegalStateException("pipeline result " + i + " has id "
                        + results.get(i).id() + ", expected " + requests.get(i).id());
            }
        }
        return results;
    }

    private static List<TagResult> allFailed(List<ImageRequest> requests, String message) {
        return requests.stream()
                .<TagResult>map(r -> new TagResult.Failed(r.id(), FailureKind.INFERENCE_FAILED, message))
                .toList();
    }

    /** Stops the worker after the call in progress; queued batches are left to their callers' timeouts. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // keep the caller's interruption visible; the worker is a daemon
        }
    }
}
