package io.tagclip.tagging;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TagDecisionTest {

    private static final TagClipParams REF = TagClipParams.REFERENCE;

    @Test
    void shouldTagScoresAboveHalfRangeHighestFirst() {
        float[] scores = {0.1f, 0.9f, 0.45f, 0.6f};

        assertThat(TagDecision.decide(scores, REF, DecisionOptions.REFERENCE, null, null))
                .containsExactly(1, 3);
    }

    @Test
    void shouldFallBackToFirstArgmaxWhenNothingPasses() {
        float[] equal = {0.2f, 0.2f, 0.2f};

        assertThat(TagDecision.decide(equal, REF, DecisionOptions.REFERENCE, null, null))
                .containsExactly(0);
    }

    @Test
    void shouldReturnNoTagWithoutAtLeastOneRule() {
        TagClipParams params = new TagClipParams(16, 224, 4, 8, 1, -100f, -1000f, 255, 0.5f, 0.5f, 0.5f, 0.5f, false);

        assertThat(TagDecision.decide(new float[] {0.2f, 0.2f}, params, DecisionOptions.REFERENCE, null, null))
                .isEmpty();
    }

    @Test
    void shouldApplyPerLabelThresholdInsteadOfRelativeRule() {
        float[] scores = {0.1f, 0.9f, 0.3f};
        float[] thresholds = {Float.NaN, Float.NaN, 0.25f};

        assertThat(TagDecision.decide(scores, REF, DecisionOptions.REFERENCE, thresholds, null))
                .containsExactly(1, 2);
    }

    @Test
    void shouldKeepThresholdOverAllLabelsWhenRestrictedToSubset() {
        float[] scores = {0.1f, 0.9f, 0.45f, 0.8f};
        boolean[] allowed = {true, false, true, true};

        assertThat(TagDecision.decide(scores, REF, DecisionOptions.REFERENCE, null, allowed))
                .containsExactly(3);
        assertThat(TagDecision.decide(
                        scores, REF, DecisionOptions.REFERENCE, null, new boolean[] {true, false, true, false}))
                .containsExactly(2);
    }

    @Test
    void shouldApplyFloorAndTopK() {
        float[] scores = {0.0f, 0.9f, 0.8f, 0.7f};

        assertThat(TagDecision.decide(scores, REF, new DecisionOptions(0f, 2), null, null))
                .containsExactly(1, 2);
        assertThat(TagDecision.decide(scores, REF, new DecisionOptions(0.85f, 0), null, null))
                .containsExactly(1);
        assertThat(TagDecision.decide(new float[] {0.1f, 0.1f}, REF, new DecisionOptions(0.5f, 0), null, null))
                .isEmpty();
    }
}
