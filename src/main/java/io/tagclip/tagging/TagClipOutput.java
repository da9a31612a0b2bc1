package io.tagclip.tagging;

import java.util.List;

/**
 * What TagCLIP computed for one image: the final scores and the intermediate results that decide them (the full maps
 * go to a {@link TagClipTrace} when one is given).
 *
 * @param gridH             patch rows of the first pass
 * @param gridW             patch columns
 * @param classBoxes        DMAR boxes of every class (all K)
 * @param localScores       DMAR scores of the C dataset classes (max over patches)
 * @param plan              CWR decisions
 * @param cropProbabilities softmax over K of each processed crop, {@code [B,K]} row-major
 * @param scores            final TagCLIP scores of the C dataset classes
 */
public record TagClipOutput(
        int gridH,
        int gridW,
        List<AttentionRefiner.ClassBoxes> classBoxes,
        float[] localScores,
        ClassWiseReidentifier.Plan plan,
        float[] cropProbabilities,
        float[] scores) {}
