package io.tagclip.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.assertj.core.data.Offset;
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

    /** Token counts of the eight golden images at their reference sizes, in fixture order (astronaut .. motorcycle). */
    private static final List<Integer> GOLDEN_TOKENS = List.of(1025, 197, 1025, 13, 552, 71, 951, 1505);

    @Test
    void shouldGroupMixedSizesLongestFirstWithinThePaddingBound() {
        List<List<Integer>> forwards = ShapeBuckets.byTokens(GOLDEN_TOKENS, t -> t, BatchingPolicy.DEFAULT, 12);

        // 1505+1025 pads 480 (19 % of 2530); a second 1025 would pad 960 (27 %): over the 25 % bound.
        assertThat(forwards).containsExactly(List.of(7, 0), List.of(2, 6, 4), List.of(1), List.of(5), List.of(3));
        for (List<Integer> forward : forwards) {
            assertThat(ShapeBuckets.paddingShare(GOLDEN_TOKENS, t -> t, List.of(forward)))
                    .isLessThanOrEqualTo(BatchingPolicy.DEFAULT_MAX_PADDING_SHARE);
        }
        // 6366 slots for 5339 real tokens over the whole batch.
        assertThat(ShapeBuckets.paddingShare(GOLDEN_TOKENS, t -> t, forwards))
                .isCloseTo(1027.0 / 5339, Offset.offset(1e-12));
    }

    @Test
    void shouldGroupOnlyEqualTokenCountsWithoutPaddingAllowance() {
        BatchingPolicy exact = new BatchingPolicy(768, 16, 8, 16, 1024, 0.0);

        assertThat(ShapeBuckets.byTokens(List.of(197, 71, 197, 71, 197), t -> t, exact, 12))
                .containsExactly(List.of(0, 2, 4), List.of(1, 3));
    }

    @Test
    void shouldPadOnlyOnAnAccelerator() {
        List<Integer> mixed = List.of(197, 161, 197);
        BatchingPolicy cpu = BatchingPolicy.DEFAULT.forDevice(false);

        assertThat(cpu.maxPaddingShare()).isZero();
        assertThat(ShapeBuckets.byTokens(mixed, t -> t, cpu, 12)).containsExactly(List.of(0, 2), List.of(1));
        assertThat(ShapeBuckets.byTokens(mixed, t -> t, BatchingPolicy.DEFAULT.forDevice(true), 12))
                .containsExactly(List.of(0, 2, 1)); // longest first
    }

    @Test
    void shouldSplitAForwardAtTheImageAndAttentionLimits() {
        List<Integer> same = List.of(197, 197, 197, 197, 197);
        assertThat(ShapeBuckets.byTokens(same, t -> t, BatchingPolicy.DEFAULT.withMaxImagesPerForward(2), 12))
                .containsExactly(List.of(0, 1), List.of(2, 3), List.of(4));
        // 12 x 1505^2 floats = 104 MiB per image: a 256 MiB budget fits two.
        BatchingPolicy small = new BatchingPolicy(768, 16, 8, 16, 256);
        assertThat(ShapeBuckets.byTokens(List.of(1505, 1505, 1505), t -> t, small, 12))
                .containsExactly(List.of(0, 1), List.of(2));
    }
}
