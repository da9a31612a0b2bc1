package io.tagclip.tagging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tagclip.clip.LayerMaps;
import io.tagclip.clip.TokenLayout;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * DMAR reduced layer by layer reads each image of a padded batch from its own rows and columns only, so an image comes
 * out as it does alone. (Against the reference's own numbers: {@code ReferenceStepsTest}.)
 */
class LayerVotesTest {

    private static final int LAYERS = 12;

    @Test
    void shouldGiveEachImageOfAPaddedBatchWhatItGetsAlone() {
        TokenLayout layout = new TokenLayout(List.of(new TokenLayout.Grid(3, 4), new TokenLayout.Grid(2, 2)));
        int t = layout.paddedTokens();
        Random random = new Random(7);
        float[] values = new float[LAYERS * 2 * t * t];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray attentions =
                    manager.create(values, new Shape(LAYERS, 2, t, t)).softmax(-1); // [L,B,T,T]
            LayerVotes batched = new LayerVotes(layout, LAYERS, TagClipParams.REFERENCE, manager);

            LayerMaps.handOver(attentions, batched);

            for (int b = 0; b < 2; b++) {
                int tokens = layout.tokens(b);
                LayerVotes alone = new LayerVotes(
                        TokenLayout.uniform(1, layout.grid(b)), LAYERS, TagClipParams.REFERENCE, manager);
                LayerMaps.handOver(attentions.get(":, " + b + ":" + (b + 1) + ", :" + tokens + ", :" + tokens), alone);
                boolean[] mask = batched.mask(b).toBooleanArray();
                float[] weights = batched.weights(b).toFloatArray();

                assertThat(mask).isEqualTo(alone.mask(0).toBooleanArray());
                assertThat(weights).isEqualTo(alone.weights(0).toFloatArray());
                assertThat(mask).contains(true, false); // a real vote, not all or nothing
                assertThat(weights).doesNotContain(Float.NaN);
            }
        }
    }

    @Test
    void shouldRefuseWeightsBeforeEveryLayerAndLayersOutOfOrder() {
        TokenLayout layout = TokenLayout.uniform(1, new TokenLayout.Grid(2, 2));
        try (NDManager manager = NDManager.newBaseManager()) {
            LayerVotes votes = new LayerVotes(layout, LAYERS, TagClipParams.REFERENCE, manager);
            NDArray map = manager.ones(new Shape(1, 5, 5)).div(5);
            votes.accept(0, map);

            assertThatThrownBy(() -> votes.weights(0)).hasMessage("saw 1 of 12 layers");
            assertThatThrownBy(() -> votes.accept(2, map)).hasMessage("expected layer 1, got 2");
        }
    }
}
