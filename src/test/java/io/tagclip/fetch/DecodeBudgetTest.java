package io.tagclip.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DecodeBudgetTest {

    private static final Duration LONG = Duration.ofSeconds(30);

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void tearDown() {
        threads.shutdownNow();
    }

    @Test
    void shouldAdmitWhatFitsAndHoldBackWhatDoesNotUntilBytesAreReleased() throws Exception {
        DecodeBudget budget = new DecodeBudget(100);
        DecodeBudget.Reservation first = budget.reserve(60, LONG).orElseThrow();

        assertThat(budget.reserve(50, Duration.ZERO)).isEmpty();
        assertThat(budget.reserved()).isEqualTo(60);

        first.close();
        first.close(); // a second release gives nothing back twice
        assertThat(budget.reserved()).isZero();
        assertThat(budget.reserve(50, Duration.ZERO)).isPresent();
        assertThat(budget.reserved()).isEqualTo(50);
    }

    @Test
    void shouldRunAnImageLargerThanTheWholeBudgetAloneOnceNothingIsReserved() throws Exception {
        DecodeBudget budget = new DecodeBudget(100);
        DecodeBudget.Reservation small = budget.reserve(10, LONG).orElseThrow();

        Future<Optional<DecodeBudget.Reservation>> huge = threads.submit(() -> budget.reserve(300, LONG));
        awaitWaiting(budget, 1);
        Future<Optional<DecodeBudget.Reservation>> behind = threads.submit(() -> budget.reserve(1, LONG));
        awaitWaiting(budget, 2);
        assertThat(huge).isNotDone();

        small.close();
        DecodeBudget.Reservation alone = huge.get(5, TimeUnit.SECONDS).orElseThrow();
        assertThat(budget.reserved()).isEqualTo(300);
        assertThat(budget.waiting())
                .as("nothing runs beside the oversized image")
                .isEqualTo(1);

        alone.close();
        assertThat(behind.get(5, TimeUnit.SECONDS)).isPresent();
        assertThat(budget.peak()).isEqualTo(300);
    }

    @Test
    void shouldAdmitInArrivalOrderSoThatSmallImagesCannotStarveALargeOne() throws Exception {
        DecodeBudget budget = new DecodeBudget(100);
        DecodeBudget.Reservation held = budget.reserve(60, LONG).orElseThrow();

        Future<Optional<DecodeBudget.Reservation>> large = threads.submit(() -> budget.reserve(80, LONG));
        awaitWaiting(budget, 1);
        // 10 bytes would fit beside the 60 held, but the large image came first
        Future<Optional<DecodeBudget.Reservation>> small = threads.submit(() -> budget.reserve(10, LONG));
        awaitWaiting(budget, 2);
        assertThat(small).isNotDone();

        held.close();
        assertThat(large.get(5, TimeUnit.SECONDS)).isPresent();
        assertThat(small.get(5, TimeUnit.SECONDS)).isPresent();
        assertThat(budget.reserved()).isEqualTo(90);
    }

    @Test
    void shouldGiveUpAfterTheTimeoutAndLetTheNextInLineThrough() throws Exception {
        DecodeBudget budget = new DecodeBudget(100);
        DecodeBudget.Reservation held = budget.reserve(90, LONG).orElseThrow();
        Future<Optional<DecodeBudget.Reservation>> impatient =
                threads.submit(() -> budget.reserve(50, Duration.ofMillis(200)));
        awaitWaiting(budget, 1);
        Future<Optional<DecodeBudget.Reservation>> patient = threads.submit(() -> budget.reserve(5, LONG));
        awaitWaiting(budget, 2);

        assertThat(impatient.get(5, TimeUnit.SECONDS)).isEmpty();
        assertThat(patient.get(5, TimeUnit.SECONDS))
                .as("admitted once the one before it gave up")
                .isPresent();
        assertThat(budget.reserved()).isEqualTo(95);
        held.close();
    }

    @Test
    void shouldNeverReserveMoreThanTheBudgetPlusOneImageWhileSixteenThreadsDecode() throws Exception {
        long capacity = 1_000;
        int largest = 400;
        int oversized = 1_200; // every 50th image needs more than the whole budget
        DecodeBudget budget = new DecodeBudget(capacity);
        CountDownLatch start = new CountDownLatch(1);
        AtomicLong worst = new AtomicLong(); // the most reserved as seen by an admitted reservation beside others
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            long seed = t;
            workers.add(CompletableFuture.runAsync(
                    () -> {
                        Random random = new Random(seed);
                        try {
                            start.await();
                            for (int i = 0; i < 200; i++) {
                                long bytes = random.nextInt(50) == 0 ? oversized : 1 + random.nextInt(largest);
                                try (DecodeBudget.Reservation r =
                                        budget.reserve(bytes, LONG).orElseThrow()) {
                                    long now = budget.reserved();
                                    if (now > capacity) {
                                        // only an image alone may take more than the budget
                                        assertThat(now).isEqualTo(r.bytes());
                                    }
                                    worst.accumulateAndGet(now, Math::max);
                                    if (random.nextInt(4) == 0) {
                                        Thread.sleep(1);
                                    }
                                }
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IllegalStateException(e);
                        }
                    },
                    threads));
        }
        start.countDown();
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

        assertThat(budget.peak()).isLessThanOrEqualTo(capacity + oversized).isGreaterThanOrEqualTo(worst.get());
        assertThat(worst.get()).as("the threads did contend for the budget").isGreaterThan(capacity / 2);
        assertThat(budget.reserved()).isZero();
        assertThat(budget.waiting()).isZero();
    }

    /** Waits until {@code count} reservations are queued. */
    private static void awaitWaiting(DecodeBudget budget, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (budget.waiting() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + count + " waiting reservations, have " + budget.waiting());
            }
            Thread.sleep(5);
        }
    }
}
