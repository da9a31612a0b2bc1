package io.tagclip.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.tagclip.cdul.HeadSelection;
import io.tagclip.cdul.TrainingOptions;
import io.tagclip.pipeline.Method;
import io.tagclip.pipeline.OnlineSample;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which events are recorded, which go to the teacher, and which samples a retrain keeps. */
class OnlineSamplingTest {

    private static OnlineSample sample(float value) {
        return new OnlineSample("m", "r", 224, "v", "1", "tagclip", new float[] {value}, new float[] {value});
    }

    @Test
    void samplesAStableShareOfIdsIndependentOfTheAcceptanceSplit() {
        OnlineSettings tenth = new OnlineSettings(Method.TAGCLIP, 0.1, 0.5f, 0.5f);
        HeadSelection split = new HeadSelection(TrainingOptions.DEFAULTS, 0.2, 0);
        int sampled = 0;
        int sampledAndJudged = 0;
        for (int i = 0; i < 20_000; i++) {
            String id = "img-" + i;
            boolean s = tenth.sampled(id);
            assertThat(new OnlineSettings(Method.TAGCLIP, 0.1, 0.2f, 0.8f).sampled(id))
                    .isEqualTo(s);
            sampled += s ? 1 : 0;
            sampledAndJudged += s && split.inAcceptanceSplit(id) ? 1 : 0;
        }
        // binomial sd: 0.0021 at n = 20,000, p = 0.1; about 0.0126 at n = 2,000, p = 0.2; both bounds are 5 sd
        assertThat(sampled / 20_000.0).isCloseTo(0.1, within(0.0105));
        assertThat(sampledAndJudged / (double) sampled).isCloseTo(0.2, within(0.063));
        assertThat(new OnlineSettings(Method.TAGCLIP, 0, 0.5f, 0.5f).sampled("img-1"))
                .isFalse();
        assertThat(new OnlineSettings(Method.TAGCLIP, 1, 0.5f, 0.5f).sampled("img-1"))
                .isTrue();
    }

    @Test
    void sendsAnImageToTheTeacherOnlyWhenAScoreIsStrictlyInsideTheBand() {
        OnlineSettings band = new OnlineSettings(Method.CDUL_GLOBAL_LOCAL, 0.1, 0.2f, 0.8f);
        assertThat(band.unsure(List.of(0.1f, 0.9f, 0.2f, 0.8f))).isFalse();
        assertThat(band.unsure(List.of(0.1f, 0.5f))).isTrue();
        OnlineSettings empty = new OnlineSettings(Method.TAGCLIP, 0.1, 0.5f, 0.5f);
        assertThat(empty.unsure(List.of(0.5f, 0.49f, 0.51f))).isFalse();
    }

    @Test
    void refusesBadSettingsNamingTheValue() {
        assertThatThrownBy(() -> new OnlineSettings(Method.CLIP_GLOBAL, 0.1, 0.5f, 0.5f))
                .hasMessageContaining("online teacher must be one of")
                .hasMessageContaining("clip-global");
        assertThatThrownBy(() -> new OnlineSettings(Method.TAGCLIP, 1.5, 0.5f, 0.5f))
                .hasMessageContaining("sample rate must be in [0,1], got 1.5");
        assertThatThrownBy(() -> new OnlineSettings(Method.TAGCLIP, 0.1, 0.8f, 0.2f))
                .hasMessageContaining("got [0.8, 0.2]");
    }

    @Test
    void theWindowKeepsTheNewestSampleOfEachIdAndForgetsTheOldestFirst() {
        SampleWindow window = new SampleWindow(3);
        window.put("a", sample(1));
        window.put("b", sample(2));
        window.put("c", sample(3));
        window.put("a", sample(4)); // a newer sample of a: replaces it and becomes the newest
        window.put("d", sample(5)); // full: the oldest, b, goes

        assertThat(window.snapshot().keySet()).containsExactly("c", "a", "d");
        assertThat(window.snapshot().get("a").scores()).containsExactly(4f);
        assertThat(window.added()).isEqualTo(5);

        window.remove("c");
        assertThat(window.snapshot().keySet()).containsExactly("a", "d");
        assertThat(window.size()).isEqualTo(2);
        assertThatThrownBy(() -> new SampleWindow(0)).hasMessageContaining("at least 1 sample, got 0");
    }
}
