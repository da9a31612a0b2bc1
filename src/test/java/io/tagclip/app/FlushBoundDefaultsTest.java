package io.tagclip.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The flush bound the service checks at start, computed from the real configuration defaults. */
class FlushBoundDefaultsTest {

    /**
     * With the defaults one flush may take 125.2 s: one wave of 8 fetches on 16 fetch threads, each over the first
     * request and up to 3 redirects, each of those at worst 3 attempts of (2 s connect + 5 s read) plus 0.1 + 0.2 s
     * of back-off (4 x 21.3 s = 85.2 s), then the 10 s decode deadline (waiting for decode memory included), then the
     * 30 s inference timeout. The docs quote this figure; it stays below the 300 s poll interval and the 180 s
     * transaction timeout.
     */
    @Test
    void shouldBoundOneFlushAt125Point2SecondsWithTheDefaults() {
        assertThat(TopologyProducer.flushBound(TaggerConfigs.of(Map.of()))).isEqualTo(Duration.ofMillis(125_200));
    }

    @Test
    void shouldCountTheDecodeDeadlineOncePerWaveOfFetches() {
        Duration oneWave = TopologyProducer.flushBound(TaggerConfigs.of(Map.of("tagger.fetch.decode-timeout", "25s")));
        Duration twoWaves = TopologyProducer.flushBound(
                TaggerConfigs.of(Map.of("tagger.fetch.decode-timeout", "25s", "tagger.fetch.threads", "4")));

        assertThat(oneWave).isEqualTo(Duration.ofMillis(85_200 + 25_000 + 30_000));
        assertThat(twoWaves).isEqualTo(Duration.ofMillis(2 * (85_200 + 25_000) + 30_000));
    }
}
