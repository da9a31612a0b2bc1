package io.tagclip.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import io.tagclip.golden.Golden;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The clip-global path against the reference's plain 224 forward on chelsea ({@code expected/clip_plain.json}):
 * input tensor and, with the reference's own image and text embeddings, the softmax of its
 * {@code logits_per_image}.
 */
class ClipGlobalGoldenTest {

    private static final JsonNode PLAIN = Golden.expected("clip_plain.json");

    @Test
    void shouldPreprocessLikeTheReferencePlain224Transform() {
        float[] input = ClipGlobalScorer.preprocess(Golden.inputImage("chelsea"));

        JsonNode stats = PLAIN.get("input_stats");
        int plane = 224 * 224;
        double sum = 0;
        double absSum = 0;
        double[] channels = new double[3];
        for (int i = 0; i < input.length; i++) {
            sum += input[i];
            absSum += Math.abs(input[i]);
            channels[i / plane] += input[i];
        }
        assertThat(sum).isCloseTo(stats.get("sum").asDouble(), within(1e-2));
        assertThat(absSum).isCloseTo(stats.get("abs_sum").asDouble(), within(1e-2));
        for (int c = 0; c < 3; c++) {
            assertThat(channels[c]).isCloseTo(stats.get("channel_sums").get(c).asDouble(), within(1e-2));
        }
    }

    @Test
    void shouldTurnTheReferenceEmbeddingsIntoTheSoftmaxOfItsLogits() {
        float multiplier = (float) Math.exp((float) PLAIN.get("logit_scale").asDouble());
        float[] imageEmbedding = Golden.floats(PLAIN.get("image_embedding"));
        float[] text = Golden.matrix(PLAIN.get("text").get("text_embedding_normalized"));
        float[] logits = Golden.floats(PLAIN.get("logits_per_image"));
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray textFeatures = manager.create(text, new Shape(logits.length, imageEmbedding.length));
            ImageEncoder replay =
                    images -> images.getManager().create(imageEmbedding, new Shape(1, imageEmbedding.length));
            ClipGlobalScorer scorer = new ClipGlobalScorer(replay, textFeatures, multiplier);

            float[] scores =
                    scorer.score(List.of(Golden.inputImage("chelsea")), manager).toFloatArray();

            double z = 0;
            for (float logit : logits) {
                z += Math.exp(logit - logits[0]);
            }
            for (int k = 0; k < logits.length; k++) {
                assertThat(scores[k]).isCloseTo((float) (Math.exp(logits[k] - logits[0]) / z), within(1e-6f));
            }
        }
    }
}
