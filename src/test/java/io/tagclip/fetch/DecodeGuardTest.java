package io.tagclip.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tagclip.fetch.FetchException.Reason;
import io.tagclip.image.RgbImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DecodeGuardTest {

    /** Side of the test's "large" images: 512x512 16-bit RGBA, 2.9 MB decoded; quick, yet 8 exceed the budget. */
    private static final int SIDE = 512;

    private static final long ONE_IMAGE = (long) SIDE * SIDE * (8 + 3);

    private final ExecutorService fetchThreads = Executors.newFixedThreadPool(8);

    @AfterEach
    void tearDown() {
        fetchThreads.shutdownNow();
    }

    @Test
    void shouldKeepEightLarge16BitPngsFetchedTogetherWithinTheBudgetPlusOneImage(@TempDir Path dir) throws Exception {
        long budget = 2 * ONE_IMAGE + ONE_IMAGE / 2; // room for two and a half of them
        assertThat(8 * ONE_IMAGE)
                .as("decoded all at once, as before the budget, they would exceed it by far")
                .isGreaterThan(budget + ONE_IMAGE);
        List<String> uris = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            uris.add(Files.write(dir.resolve("large-" + i + ".png"), TestImages.png16Rgba(SIDE, SIDE))
                    .toUri()
                    .toString());
        }
        UriImageLoader loader = new UriImageLoader(fileSettings(dir).withDecodeLimits(Duration.ofSeconds(60), budget));
        CountDownLatch together = new CountDownLatch(1);
        List<Future<RgbImage>> loads = new ArrayList<>();
        for (String uri : uris) {
            loads.add(fetchThreads.submit(() -> {
                together.await();
                return loader.load(uri, "image/png");
            }));
        }

        together.countDown();
        for (Future<RgbImage> load : loads) {
            RgbImage image = load.get(60, TimeUnit.SECONDS);
            assertThat(image.width()).isEqualTo(SIDE);
            assertThat(image.height()).isEqualTo(SIDE);
        }

        assertThat(loader.budget().peak())
                .as("each decode reserved its header estimate, and never more than the budget plus one image at once")
                .isGreaterThanOrEqualTo(ONE_IMAGE)
                .isLessThanOrEqualTo(budget + ONE_IMAGE);
        assertThat(loader.budget().reserved()).isZero();
    }

    @Test
    void shouldEndADecodePastItsDeadlineAsTimeoutAndFreeTheCallingThread() throws Exception {
        // 1,510 scans over 384x384 take seconds, with no progress reported while the scans are consumed: the reader
        // cannot be stopped, so the caller stops waiting (the scan limit, raised here, would refuse this file)
        byte[] slow = TestImages.manyScanJpeg(384, 1500);
        DecodeBudget budget = new DecodeBudget(1L << 30);
        DecodeGuard guard =
                new DecodeGuard(new ImageDecoder(1_000_000, true, false, 1_000_000), budget, Duration.ofMillis(200));

        long start = System.nanoTime();
        assertThatThrownBy(() -> guard.decode(slow, "slow.jpg", "image/jpeg", 0))
                .isInstanceOfSatisfying(FetchException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.TIMEOUT);
                    assertThat(e.getMessage()).contains("slow.jpg", "384x384", "tagger.fetch.decode-timeout = 200 ms");
                });
        Duration waited = Duration.ofNanos(System.nanoTime() - start);

        assertThat(waited).isLessThan(Duration.ofSeconds(2));
        assertThat(guard.abandonedRunning()).isEqualTo(1);
        assertThat(budget.reserved())
                .as("the abandoned decode still holds its memory, so it stays counted")
                .isEqualTo(384L * 384 * (3 + 3));
        assertThat(budget.awaitIdle(Duration.ofMinutes(2)))
                .as("released once the abandoned decode has ended")
                .isTrue();
        assertThat(guard.abandonedRunning()).isZero();
    }

    @Test
    void shouldEndAWaitForDecodeMemoryPastTheDeadlineAsTimeoutNamingTheBudget() throws Exception {
        DecodeBudget budget = new DecodeBudget(1_000);
        DecodeGuard guard = new DecodeGuard(new ImageDecoder(1_000_000, true), budget, Duration.ofMillis(100));
        byte[] png = TestImages.png(20, 20); // 20 x 20 x (3 + 3) = 2,400 bytes: more than the whole budget

        try (DecodeBudget.Reservation held = budget.reserve(10, Duration.ZERO).orElseThrow()) {
            assertThatThrownBy(() -> guard.decode(png, "waits.png", null, 0))
                    .isInstanceOfSatisfying(FetchException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.TIMEOUT);
                        assertThat(e.getMessage())
                                .contains(
                                        "waits.png",
                                        "2400 bytes",
                                        "10 of the 1000 bytes of tagger.fetch.max-decoded-bytes",
                                        "tagger.fetch.decode-timeout = 100 ms");
                    });
        }
        assertThat(guard.decode(png, "alone.png", null, 0).width())
                .as("larger than the budget, it decodes alone once nothing else is reserved")
                .isEqualTo(20);
        assertThat(budget.reserved()).isZero();
    }

    @Test
    void shouldDecodeFetchedImagesSubsampledOnlyWhenTheLoaderIsToldWhatThePipelineKeeps(@TempDir Path dir)
            throws Exception {
        String uri = Files.write(dir.resolve("long.png"), TestImages.png(3200, 40))
                .toUri()
                .toString();

        RgbImage throughput = new UriImageLoader(fileSettings(dir), List.of(), 768).load(uri, null);
        RgbImage reference = new UriImageLoader(fileSettings(dir), List.of(), 0).load(uri, null);

        assertThat(throughput.width()).isEqualTo(1600); // 3200 / 2: still twice 768
        assertThat(throughput.height()).isEqualTo(20);
        assertThat(reference.width()).isEqualTo(3200);
        assertThat(reference.height()).isEqualTo(40);
    }

    /** The defaults with {@code file:} URIs served under {@code root}. */
    private static FetchSettings fileSettings(Path root) {
        FetchSettings d = FetchSettings.defaults();
        return new FetchSettings(
                d.connectTimeout(),
                d.readTimeout(),
                d.maxBytes(),
                d.maxAttempts(),
                d.retryBackoff(),
                d.maxRedirects(),
                d.maxPixels(),
                true,
                List.of(root),
                true,
                List.of(),
                true,
                d.userAgent());
    }
}
