package io.tagclip.tagging;

import java.util.List;

/**
 * What TagCLIP computed for one image: the final scores and the intermediate results. Maps are {@code [N,K]}
 * row-major and only kept when asked for (they cost N·K floats each).
 *
 * @param gridH             patch rows of the first pass
 * @param gridW             patch columns
 * @param coarse            {@code P_coarse}, or {@code null} when not traced
 * @param attentionRefined  {@code W·P_coarse}, or {@code null} when not traced
 * @param refined           the DMAR map, or {@code null} when not traced
 * @param voteMaskCount     cells kept by the vote mask, or -1 when not traced
 * @param classBoxes        DMAR boxes of every class (all K)
 * @param localScores       DMAR scores of the C dataset classes (max over patches)
 * @param plan              CWR decisions
 * @param cropProbabilities softmax over K of each processed crop, {@code [B,K]} row-major
 * @param scores            final TagCLIP scores of the C dataset classes
 */
public record TagClipOutput(
        int gridH,
        int gridW,
        float[] coarse,
        float[] attentionRefined,
        float[] refined,
        long voteMaskCount,
        List<AttentionRefiner.ClassBoxes> classBoxes,
        float[] localScores,
        ClassWiseReidentifier.Plan plan,
        float[] cropProbabilities,
        float[] scores) {}
