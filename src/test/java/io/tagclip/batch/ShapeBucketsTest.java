package io.tagclip.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ShapeBucketsTest {

    private static final BatchingPolicy POLICY = new BatchingPolicy(512, 32, 8, 16, 1024);

    @Test
    void shouldKeepReferenceSizeWhenStepIsPatchAndImageFits() {
        BatchingPolicy patchStep = new BatchingPolicy(768, 16, 8, 16, 1024);

        assertThat(ShapeBuckets.target(451, 300, patchStep)).isEqualTo(new ShapeBuckets.Size(464, 304));
        assertThat(ShapeBuckets.target(741, 500, patchStep)).isEqualTo(new ShapeBuckets.Size(752, 512));
    }

    @Test
    void shouldShrinkLongSideAndRoundUpToStep() {
        assertThat(ShapeBuckets.target(640, 480, POLICY)).isEqualTo(new ShapeBuckets.Size(512, 384));
        assertThat(ShapeBuckets.target(500, 375, POLICY)).isEqualTo(new ShapeBuckets.Size(512, 384));
        assertThat(ShapeBuckets.target(4000, 10, POLICY)).isEqualTo(new ShapeBuckets.Size(512, 32));
    }

    @Test
    void shouldGroupByKeyInFirstSeenOrder() {
        List<List<Integer>> groups = ShapeBuckets.group(List.of("a", "bb", "c", "dd", "e"), String::length);

        assertThat(groups).containsExactly(List.of(0, 2, 4), List.of(1, 3));
        assertThat(ShapeBuckets.chunks(List.of(1, 2, 3, 4, 5), 2))
                .containsExactly(List.of(1, 2), List.of(3, 4), List.of(5));
    }

    @Test
    void shouldShareFirstPassesOnlyWithinAttentionBudget() {
        // 512x384: 769 tokens, 12 layers -> 27 MiB per image, all 8 fit in 1 GiB
        assertThat(POLICY.imagesPerForward(512, 384, 16, 12)).isEqualTo(8);
        // 768x768: 2305 tokens -> 243 MiB per image, 4 fit
        assertThat(POLICY.imagesPerForward(768, 768, 16, 12)).isEqualTo(4);
        // a budget below one image still runs that image
        assertThat(new BatchingPolicy(512, 32, 8, 16, 1).imagesPerForward(768, 768, 16, 12))
                .isEqualTo(1);
    }
}
