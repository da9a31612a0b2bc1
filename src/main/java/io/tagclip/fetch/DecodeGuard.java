package io.tagclip.fetch;

import io.tagclip.fetch.FetchException.Reason;
import io.tagclip.image.RgbImage;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Decodes images under two bounds shared by every thread that calls it: the memory of decoded pixels in flight
 * ({@link DecodeBudget}) and a deadline per image.
 *
 * <p>The header is read and checked on the calling thread ({@link ImageDecoder#plan}); the decode then reserves the
 * plan's estimate, waiting while other decodes hold the budget, and runs on a thread of its own. The deadline covers
 * the wait and the decode: past it the caller gets {@code TIMEOUT} naming the deadline and is free at once. The
 * abandoned decode is asked to stop (readers that report progress stop at their next row) and keeps its reservation
 * until it has really ended, so the memory it still holds stays counted; a decode that reports no progress (a JPEG
 * consuming its scans) runs to its end on its own thread. Thread-safe.
 */
public final class DecodeGuard {

    private static final int RUNNING = 0;
    private static final int ENDED = 1;
    private static final int ABANDONED = 2;

    private final ImageDecoder decoder;
    private final DecodeBudget budget;
    private final Duration timeout;
    private final AtomicInteger threadCount = new AtomicInteger();
    private final AtomicInteger abandonedRunning = new AtomicInteger();

    /** @param timeout longest one image may wait for the budget and decode, together */
    public DecodeGuard(ImageDecoder decoder, DecodeBudget budget, Duration timeout) {
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.budget = Objects.requireNonNull(budget, "budget");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("decode timeout must be positive, got " + timeout);
        }
    }

    /**
     * Decodes {@code bytes} within the budget and the deadline.
     *
     * @param source       names the image in messages (its URI)
     * @param claimedType  the Content-Type the sender claimed, or {@code null}; only quoted in messages
     * @param keepLongSide the longest side the caller keeps of the image, or 0 for full size ({@link ImageDecoder#plan})
     * @throws FetchException       as {@link ImageDecoder} refuses the image, or {@code TIMEOUT} past the deadline
     * @throws InterruptedException when the calling thread is interrupted; the decode is abandoned
     */
    public RgbImage decode(byte[] bytes, String source, String claimedType, int keepLongSide)
            throws FetchException, InterruptedException {
        ImageDecoder.Plan plan = decoder.plan(bytes, source, claimedType, keepLongSide);
        long start = System.nanoTime();
        DecodeBudget.Reservation reservation =
                budget.reserve(plan.decodedBytes(), timeout).orElseThrow(() -> budgetTimeout(plan, source));
        AtomicInteger state = new AtomicInteger(RUNNING);
        CompletableFuture<RgbImage> result = new CompletableFuture<>();
        Runnable task = () -> {
            RgbImage image = null;
            Throwable failure = null;
            try {
                image = decoder.decode(bytes, plan, source, () -> state.get() == ABANDONED);
            } catch (Throwable e) { // handed to the waiting caller, who rethrows it
                failure = e;
            } finally {
                if (state.getAndSet(ENDED) == ABANDONED) {
                    abandonedRunning.decrementAndGet();
                }
                reservation.close(); // before the caller hears of the end, so what it sees reserved is still decoding
            }
            if (failure == null) {
                result.complete(image);
            } else {
                result.completeExceptionally(failure);
            }
        };
        try {
            Thread thread = new Thread(task, "tagger-decode-" + threadCount.incrementAndGet());
            thread.setDaemon(true);
            thread.start();
        } catch (RuntimeException | Error e) {
            reservation.close();
            throw e;
        }
        long left = timeout.toNanos() - (System.nanoTime() - start);
        try {
            return result.get(Math.max(0, left), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            abandon(state);
            throw new FetchException(
                    Reason.TIMEOUT,
                    "decoding " + source + " (" + describe(plan) + ") took longer than tagger.fetch.decode-timeout = "
                            + timeout.toMillis() + " ms; abandoned",
                    1,
                    e);
        } catch (InterruptedException e) {
            abandon(state);
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof FetchException failure) {
                throw failure;
            }
            if (cause instanceof RuntimeException unexpected) {
                throw unexpected;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException("decoding " + source + " failed: " + cause, cause);
        }
    }

    private void abandon(AtomicInteger state) {
        if (state.compareAndSet(RUNNING, ABANDONED)) {
            abandonedRunning.incrementAndGet();
        }
    }

    private FetchException budgetTimeout(ImageDecoder.Plan plan, String source) {
        return new FetchException(
                Reason.TIMEOUT,
                "waited tagger.fetch.decode-timeout = " + timeout.toMillis() + " ms for memory to decode " + source
                        + " (" + describe(plan) + ", " + plan.decodedBytes() + " bytes): other decodes hold "
                        + budget.reserved() + " of the " + budget.capacity()
                        + " bytes of tagger.fetch.max-decoded-bytes");
    }

    private static String describe(ImageDecoder.Plan plan) {
        String size = plan.width() + "x" + plan.height();
        return plan.subsampling() == 1
                ? size
                : size + " decoded at " + plan.decodedWidth() + "x" + plan.decodedHeight();
    }

    /** The budget decodes reserve from. */
    public DecodeBudget budget() {
        return budget;
    }

    /** Decodes whose callers stopped waiting at the deadline and that have not ended yet. */
    public int abandonedRunning() {
        return abandonedRunning.get();
    }
}
