package io.tagclip.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The arithmetic of the first-pass estimate (how it compares with measured peaks: FirstPassPeakTest). */
class FirstPassMemoryTest {

    /** ViT-B/16's vision tower on the CPU. */
    static final FirstPassMemory VIT_B16 = new FirstPassMemory(12, 12, 768, 3072, false);

    @Test
    void shouldPutAPhonePhotoInReferenceModeFarOutOfReach() {
        long tokens = FirstPassMemory.tokens(4000, 3008, 16); // 4000x3000 rounded up to multiples of 16

        assertThat(tokens).isEqualTo(47_001);
        // 32 maps of 47,001² floats (the vote count and sum, the block's map and two more measured, 2 x 12 per-head
        // temporaries and the self mask), 8.8 GB each, and the activations
        assertThat(VIT_B16.tagClipBytes(1, tokens, false)).isBetween(283_000_000_000L, 293_000_000_000L);
    }

    @Test
    void shouldCountTheBlockTemporariesOfTheDeviceAndOfPadding() {
        FirstPassMemory gpu = new FirstPassMemory(12, 12, 768, 3072, true);

        assertThat(VIT_B16.blockTemporaries(false)).isEqualTo(2);
        assertThat(VIT_B16.blockTemporaries(true)).isEqualTo(3);
        assertThat(gpu.blockTemporaries(false)).isEqualTo(5.25);
        // the forward decides: 5 + 2 x 12 + 3 maps on the CPU; 5 + 5.25 x 12 + 3 on an accelerator
        long cpu = VIT_B16.tagClipBytes(1, 2305, false);
        long accelerator = gpu.tagClipBytes(1, 2305, false);
        assertThat(accelerator).isGreaterThan(cpu);
        assertThat(gpu.tagClipBytes(1, 2305, true)).isGreaterThan(accelerator);
    }

    @Test
    void shouldGrowWithTheImagesOfAForwardAndTheTagsOfAGradCamPass() {
        long one = VIT_B16.tagClipBytes(1, 1025, false);
        long four = VIT_B16.tagClipBytes(4, 1025, false);
        long fixed = FirstPassMemory.FIXED_BYTES;

        // four of everything but the last block's self mask, which the images share
        assertThat((double) (four - fixed) / (one - fixed)).isBetween(3.8, 4.0);
        assertThat(VIT_B16.gradCamBytes(1025, 4)).isGreaterThan(3 * VIT_B16.gradCamBytes(1025, 1) - 2 * fixed);
    }

    @Test
    void shouldFitAsManyImagesAsTheBudgetHolds() {
        long budget = 3L << 30;
        int fit = VIT_B16.imagesWithin(budget, 1025, false);

        assertThat(fit).isPositive();
        assertThat(VIT_B16.tagClipBytes(fit, 1025, false)).isLessThanOrEqualTo(budget);
        assertThat(VIT_B16.tagClipBytes(fit + 1, 1025, false)).isGreaterThan(budget);
        assertThat(VIT_B16.imagesWithin(1L << 20, 1025, false)).isZero();
    }

    @Test
    void shouldFindTheLongestSideWithinTheBudgetAtTheImagesAspect() {
        long budget = 1610612736; // half of a 5 GiB pod less its 2 GiB heap
        int side = FirstPassMemory.longestSideWithin(
                4000, 3000, 16, tokens -> VIT_B16.tagClipBytes(1, tokens, false) <= budget);

        assertThat(side % 16).isZero();
        long fits = FirstPassMemory.tokens(side, 16 * (int) Math.ceil(side * 0.75 / 16), 16);
        long next = FirstPassMemory.tokens(side + 16, 16 * (int) Math.ceil((side + 16) * 0.75 / 16), 16);
        assertThat(VIT_B16.tagClipBytes(1, fits, false)).isLessThanOrEqualTo(budget);
        assertThat(VIT_B16.tagClipBytes(1, next, false)).isGreaterThan(budget);
        // throughput mode's largest image (768x768, 2,305 tokens) fits the same budget
        assertThat(VIT_B16.tagClipBytes(1, 2305, false)).isLessThanOrEqualTo(budget);
        assertThat(FirstPassMemory.longestSideWithin(4000, 3000, 16, tokens -> false))
                .isZero();
    }

    @Test
    void shouldRefuseDimensionsThatAreNotPositive() {
        assertThatThrownBy(() -> new FirstPassMemory(0, 12, 768, 3072, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0 layers");
        assertThatThrownBy(() -> VIT_B16.tagClipBytes(0, 197, false)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldWriteSizesInBinaryUnitsWithTheExactCount() {
        assertThat(FirstPassTooLarge.size(512)).isEqualTo("512 bytes");
        assertThat(FirstPassTooLarge.size(1610612736)).isEqualTo("1.5 GiB (1610612736 bytes)");
    }
}
