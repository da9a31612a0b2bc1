package io.tagclip.preprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.tagclip.golden.Golden;
import io.tagclip.image.RgbImage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClipTransformTest {

    @ParameterizedTest
    @ValueSource(strings = {"chelsea", "chelsea_small", "coffee", "motorcycle_left"})
    void shouldReproducePillowBicubicResizeByteForByte(String name) {
        RgbImage original = Golden.inputImage(name);
        RgbImage expected = Golden.image("expected/" + name + ".resized.png");

        RgbImage resized = PillowBicubic.resize(original, expected.width(), expected.height());

        assertThat(resized.width()).isEqualTo(expected.width());
        assertThat(resized.height()).isEqualTo(expected.height());
        assertThat(resized.pixels()).isEqualTo(expected.pixels());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "astronaut",
                "astronaut_224",
                "camera",
                "camera_crop",
                "chelsea",
                "chelsea_small",
                "coffee",
                "motorcycle_left"
            })
    void shouldMatchReferenceInputTensor(String name) {
        JsonNode expected = Golden.expected(name, "voc2007");
        JsonNode stats = expected.get("input_stats");

        ClipImage image = ClipTransform.reference(Golden.inputImage(name), 16);

        assertThat(new int[] {image.height(), image.width()})
                .containsExactly(Golden.ints(expected.get("resize_to_hw")));
        for (JsonNode sample : stats.get("samples_c_y_x_value")) {
            float value = image.at(
                    sample.get(0).asInt(), sample.get(1).asInt(), sample.get(2).asInt());
            assertThat(value).isEqualTo((float) sample.get(3).asDouble());
        }
        double sum = 0;
        double absSum = 0;
        double[] channelSums = new double[3];
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        int plane = image.width() * image.height();
        for (int i = 0; i < image.chw().length; i++) {
            float v = image.chw()[i];
            sum += v;
            absSum += Math.abs(v);
            channelSums[i / plane] += v;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertThat(min).isEqualTo((float) stats.get("min").asDouble());
        assertThat(max).isEqualTo((float) stats.get("max").asDouble());
        // The reference sums in float32; 1e-6 relative to the absolute sum covers its rounding, not a wrong pixel.
        double tolerance = 1e-6 * absSum + 1e-3;
        assertThat(sum).isCloseTo(stats.get("sum").asDouble(), within(tolerance));
        assertThat(absSum).isCloseTo(stats.get("abs_sum").asDouble(), within(tolerance));
        for (int c = 0; c < 3; c++) {
            assertThat(channelSums[c])
                    .isCloseTo(stats.get("channel_sums").get(c).asDouble(), within(tolerance));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 15, 16, 17, 300, 451})
    void shouldRoundSidesUpToPatchMultiple(int size) {
        int rounded = ClipTransform.roundUpToPatch(size, 16);

        assertThat(rounded % 16).isZero();
        assertThat(rounded).isBetween(size, size + 15);
    }
}
