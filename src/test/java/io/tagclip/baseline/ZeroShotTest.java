package io.tagclip.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ZeroShotTest {

    @Test
    void shouldSoftmaxScaledCosineSimilaritiesOverTheGivenClasses() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray features = manager.create(new float[] {3, 4, -1, 0}, new Shape(2, 2)); // unnormalised
            float s = (float) Math.sqrt(0.5);
            NDArray text = manager.create(new float[] {1, 0, 0, 1, s, s}, new Shape(3, 2));

            float[] p = ZeroShot.probabilities(features, text, 10f).toFloatArray();

            double[][] cos = {{0.6, 0.8, 1.4 * s}, {-1, 0, -s}};
            for (int i = 0; i < 2; i++) {
                double z = 0;
                for (double c : cos[i]) {
                    z += Math.exp(10 * c);
                }
                for (int k = 0; k < 3; k++) {
                    assertThat(p[i * 3 + k]).isCloseTo((float) (Math.exp(10 * cos[i][k]) / z), within(1e-6f));
                }
            }
        }
    }

    @Test
    void shouldRejectMismatchedEmbeddingWidths() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray features = manager.ones(new Shape(1, 3));
            NDArray text = manager.ones(new Shape(2, 4));

            assertThatThrownBy(() -> ZeroShot.probabilities(features, text, 1f)).hasMessageContaining("(1, 3)");
        }
    }

    @Test
    void shouldBuildNormalisedSingleTemplateFeaturesFromFormattedPrompts() {
        List<String> seen = new ArrayList<>();
        TextEncoder encoder = (prompts, m) -> {
            seen.addAll(prompts);
            return m.create(new float[] {3, 4, 0, 2}, new Shape(2, 2));
        };
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray features =
                    ZeroShot.singleTemplateFeatures(encoder, List.of("cat", "dog"), "a photo of a {}", manager);

            assertThat(seen).containsExactly("a photo of a cat", "a photo of a dog");
            assertThat(features.toFloatArray()).containsExactly(new float[] {0.6f, 0.8f, 0, 1}, within(1e-7f));
        }
    }
}
