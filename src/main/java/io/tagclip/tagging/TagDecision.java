package io.tagclip.tagging;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Turns final scores into tags. The reference rule (classify.py, {@code --save_file} branch): a class is a tag when
 * its score is above {@code min + 0.5 * (max - min)} of the image's dataset-class scores; if none is, the arg-max
 * (first index among equal maxima, as {@code np.argmax}) is the only tag.
 *
 * <p>Extensions, all off by default: a per-label absolute threshold from the vocabulary replaces the relative rule
 * for that label; an absolute floor; top-k; a label subset. The relative threshold is always computed over all C
 * scores, so a label's decision does not depend on which other labels a request asks for; the subset filters the
 * tags, and the at-least-one fallback picks the best label of the subset.
 */
public final class TagDecision {

    private TagDecision() {}

    /**
     * @param scores          final scores of the C dataset classes
     * @param labelThresholds per-class absolute thresholds ({@code NaN}: use the relative rule), or {@code null}
     * @param allowed         classes that may be reported, or {@code null} for all
     * @return the chosen class indices, highest score first (ties: lower index first)
     */
    public static List<Integer> decide(
            float[] scores, TagClipParams params, DecisionOptions options, float[] labelThresholds, boolean[] allowed) {
        int c = scores.length;
        if (c == 0) {
            throw new IllegalArgumentException("no scores to decide on");
        }
        if ((labelThresholds != null && labelThresholds.length != c) || (allowed != null && allowed.length != c)) {
            throw new IllegalArgumentException("expected " + c + " thresholds and allowed flags");
        }
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float s : scores) {
            min = Math.min(min, s);
            max = Math.max(max, s);
        }
        float relative = min + params.tagRelativeThreshold() * (max - min);
        List<Integer> tags = new ArrayList<>();
        int best = -1;
        for (int i = 0; i < c; i++) {
            if (allowed != null && !allowed[i]) {
                continue;
            }
            if (best < 0 || scores[i] > scores[best]) {
                best = i;
            }
            float threshold =
                    labelThresholds != null && !Float.isNaN(labelThresholds[i]) ? labelThresholds[i] : relative;
            if (scores[i] > threshold && scores[i] >= options.absoluteFloor()) {
                tags.add(i);
            }
        }
        if (tags.isEmpty() && params.atLeastOneTag() && best >= 0 && scores[best] >= options.absoluteFloor()) {
            tags.add(best);
        }
        tags.sort(Comparator.<Integer>comparingDouble(i -> -scores[i]).thenComparingInt(i -> i));
        if (options.topK() > 0 && tags.size() > options.topK()) {
            return List.copyOf(tags.subList(0, options.topK()));
        }
        return List.copyOf(tags);
    }
}
