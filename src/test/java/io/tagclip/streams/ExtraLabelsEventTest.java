package io.tagclip.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTags;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * {@code ImageRef.extraLabels} and {@code Tag.adHoc} evolve the schemas compatibly both ways with the versions before
 * them, and the input limits bound extra labels by count and length, naming the setting.
 */
class ExtraLabelsEventTest {

    private static Schema previous(String resource) throws IOException {
        try (InputStream in = ExtraLabelsEventTest.class.getResourceAsStream(resource)) {
            return new Schema.Parser().parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void shouldEvolveImageRefAndImageTagsCompatiblyBothWays() throws IOException {
        SchemaEvolution.assertCompatibleBothWays(previous("/schemas/ImageRef.v1.avsc"), ImageRef.getClassSchema());
        SchemaEvolution.assertCompatibleBothWays(previous("/schemas/ImageTags.v3.avsc"), ImageTags.getClassSchema());
    }

    private static ImageRef ref(List<String> extras) {
        return ImageRef.newBuilder()
                .setId("img")
                .setUri("https://example.org/a.jpg")
                .setProducedAt(Instant.EPOCH)
                .setHeaders(Map.of())
                .setExtraLabels(extras)
                .build();
    }

    @Test
    void shouldRefuseTooManyOrTooLongOrBlankExtraLabelsNamingTheSetting() {
        EventLimits limits = EventLimits.defaults();

        assertThat(limits.violation(ref(List.of("zebra", "kite")))).isEmpty();
        assertThat(limits.violation(ref(Collections.nCopies(17, "zebra"))))
                .hasValueSatisfying(m -> assertThat(m).contains("17 extraLabels", "tagger.limits.max-extra-labels"));
        assertThat(limits.violation(ref(List.of("z".repeat(65)))))
                .hasValueSatisfying(
                        m -> assertThat(m).contains("65 characters", "tagger.limits.max-extra-label-chars"));
        assertThat(limits.violation(ref(List.of(" "))))
                .hasValueSatisfying(m -> assertThat(m).contains("blank"));
    }
}
