package io.tagclip.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tagclip.fetch.FetchSettings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The decode bounds under {@code tagger.fetch.*}, read through the service's config mapping. */
class DecodeConfigTest {

    @Test
    void shouldDefaultToTenSecondsHundredScansAndAQuarterOfTheMaxHeap() {
        FetchSettings fetch =
                TaggerRuntime.fetchSettings(TaggerConfigs.of(Map.of()).fetch());

        assertThat(fetch.decodeTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(fetch.maxJpegScans()).isEqualTo(100);
        assertThat(fetch.maxDecodedBytes())
                .isEqualTo(TaggerRuntime.maxDecodedBytes(
                        "25%", Runtime.getRuntime().maxMemory()));
        assertThat(TaggerRuntime.maxDecodedBytes("25%", 2L << 30)).isEqualTo(512L << 20);
    }

    @Test
    void shouldReadDecodeMemoryAsBytesOrAsAPercentageOfTheMaxHeap() {
        FetchSettings fetch = TaggerRuntime.fetchSettings(TaggerConfigs.of(Map.of(
                        "tagger.fetch.max-decoded-bytes", "268435456",
                        "tagger.fetch.decode-timeout", "3s",
                        "tagger.fetch.max-jpeg-scans", "40"))
                .fetch());

        assertThat(fetch.maxDecodedBytes()).isEqualTo(268_435_456L);
        assertThat(fetch.decodeTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(fetch.maxJpegScans()).isEqualTo(40);
        assertThat(TaggerRuntime.maxDecodedBytes(" 12.5% ", 8_000_000_000L)).isEqualTo(1_000_000_000L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-5", "0%", "150%", "lots", "25 %%"})
    void shouldRefuseDecodeMemoryThatIsNotPositiveBytesOrAPercentageNamingKeyAndValue(String value) {
        assertThatThrownBy(() ->
                        TaggerRuntime.fetchSettings(TaggerConfigs.of(Map.of("tagger.fetch.max-decoded-bytes", value))
                                .fetch()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tagger.fetch.max-decoded-bytes")
                .hasMessageContaining("'" + value + "'");
    }

    @Test
    void shouldDecodeSubsampledTowardsTheKeptLongSideOnlyInThroughputModeWithoutBoxesOrMasks() {
        assertThat(keepLongSide(Map.of())).as("throughput mode, the default").isEqualTo(768);
        assertThat(keepLongSide(Map.of("tagger.model.mode", "reference")))
                .as("reference mode keeps every pixel")
                .isZero();
        assertThat(keepLongSide(Map.of("tagger.model.boxes", "true")))
                .as("boxes are in original pixels")
                .isZero();
        assertThat(keepLongSide(Map.of("tagger.model.masks", "true")))
                .as("masks are at the original size")
                .isZero();
    }

    private static int keepLongSide(Map<String, String> properties) {
        return PipelineProducer.keepLongSide(TaggerConfigs.of(properties).model());
    }
}
