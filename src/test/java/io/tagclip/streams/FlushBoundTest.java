package io.tagclip.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tagclip.fetch.FetchSettings;
import io.tagclip.fetch.ImageFetcher;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FlushBoundTest {

    private final FetchSettings defaults = FetchSettings.defaults();

    @Test
    void shouldAddFetchWavesEachWithItsDecodeDeadlineAndInferenceTimeout() {
        long fetch = ImageFetcher.worstCaseMillis(defaults)
                + defaults.decodeTimeout().toMillis();

        // 8 refs x 2 threads on 16 fetch threads: one wave; on 4 fetch threads: four waves
        assertThat(FlushBound.of(defaults, 8, 2, 16, Duration.ofSeconds(30)))
                .isEqualTo(Duration.ofMillis(fetch + 30_000));
        assertThat(FlushBound.of(defaults, 8, 2, 4, Duration.ofSeconds(30)))
                .isEqualTo(Duration.ofMillis(4 * fetch + 30_000));
    }

    @Test
    void shouldGrowWithTheDecodeDeadline() {
        FetchSettings slowDecodes = defaults.withDecodeLimits(Duration.ofSeconds(40), defaults.maxDecodedBytes());

        assertThat(FlushBound.of(slowDecodes, 8, 1, 16, Duration.ofSeconds(30)))
                .isEqualTo(FlushBound.of(defaults, 8, 1, 16, Duration.ofSeconds(30))
                        .plusSeconds(30));
    }

    @Test
    void shouldAcceptTheServiceDefaults() {
        Duration bound = FlushBound.of(defaults, 8, 1, 16, Duration.ofSeconds(30));

        assertThatCode(() -> FlushBound.check(bound, Duration.ofMinutes(5), Duration.ofMinutes(3), true))
                .doesNotThrowAnyException();
    }

    @Test
    void shouldRefuseBoundAboveTransactionTimeoutUnderExactlyOnce() {
        Duration bound = Duration.ofSeconds(20);

        assertThatThrownBy(() -> FlushBound.check(bound, Duration.ofMinutes(5), Duration.ofSeconds(10), true))
                .hasMessageContaining("20000 ms")
                .hasMessageContaining("transaction.timeout.ms = 10000");
        assertThatCode(() -> FlushBound.check(bound, Duration.ofMinutes(5), Duration.ofSeconds(10), false))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> FlushBound.check(bound, Duration.ofSeconds(15), Duration.ofMinutes(1), false))
                .hasMessageContaining("max.poll.interval.ms = 15000");
    }
}
