package io.tagclip.inference;

import io.tagclip.batch.BatchingPolicy;
import io.tagclip.tagging.DecisionOptions;
import io.tagclip.tagging.TagClipParams;
import io.tagclip.vocab.ContentHash;
import java.util.Objects;

/**
 * How a pipeline tags (TagCLIP uses all of it; the baselines use the default vocabulary, the decision rule and
 * the chunk size).
 *
 * @param defaultVocabulary vocabulary id used when a request names none
 * @param params            the algorithm's constants ({@link TagClipParams#REFERENCE} reproduces the reference)
 * @param decision          optional additions to the tag rule ({@link DecisionOptions#REFERENCE}: none)
 * @param boxes             attach a box to every tag (the DMAR boxes of its class, in original pixels)
 * @param mode              reference (exact, one image and one crop per forward) or throughput (bucketed sizes,
 *                          pooled forwards)
 * @param batching          sizes and batch limits of throughput mode (ignored in reference mode)
 * @param firstPassBudget   memory one first pass may take, in both modes (and the Grad-CAM pass of masks): an image
 *                          whose estimate exceeds it is refused as too large, and first passes share a forward only
 *                          within it ({@link FirstPassBudget#DEFAULT}: half of what the device leaves for tensors)
 */
public record PipelineSettings(
        String defaultVocabulary,
        TagClipParams params,
        DecisionOptions decision,
        boolean boxes,
        Mode mode,
        BatchingPolicy batching,
        FirstPassBudget firstPassBudget,
        int extraLabelNames) {

    /** Extra labels whose text features are kept: 4,096 rows of E floats (8 MB at ViT-B/16's E = 512). */
    public static final int DEFAULT_EXTRA_LABEL_NAMES = 4096;

    /** How images are sized and grouped. */
    public enum Mode {
        /**
         * The reference's behaviour: each image at its own size rounded up to multiples of 16, alone in its
         * forward, one forward per CWR crop.
         */
        REFERENCE,
        /**
         * Images resized to shape buckets ({@link BatchingPolicy}); same-bucket images share first-pass forwards and
         * all CWR crops of a batch share forwards. Scores drift from the reference where the size differs.
         */
        THROUGHPUT;

        /** The mode named {@code value} (case-insensitive), or an error naming the bad value. */
        public static Mode of(String value) {
            for (Mode mode : values()) {
                if (mode.name().equalsIgnoreCase(value)) {
                    return mode;
                }
            }
            throw new IllegalArgumentException("unknown mode '" + value + "' (known: reference, throughput)");
        }
    }

    public PipelineSettings {
        Objects.requireNonNull(defaultVocabulary, "defaultVocabulary");
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(decision, "decision");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(batching, "batching");
        Objects.requireNonNull(firstPassBudget, "firstPassBudget");
        if (extraLabelNames < 1) {
            throw new IllegalArgumentException("extraLabelNames must be at least 1, got " + extraLabelNames);
        }
    }

    /** Settings with the default number of extra labels kept. */
    public PipelineSettings(
            String defaultVocabulary,
            TagClipParams params,
            DecisionOptions decision,
            boolean boxes,
            Mode mode,
            BatchingPolicy batching,
            FirstPassBudget firstPassBudget) {
        this(defaultVocabulary, params, decision, boxes, mode, batching, firstPassBudget, DEFAULT_EXTRA_LABEL_NAMES);
    }

    /** Settings with the {@link FirstPassBudget#DEFAULT default first-pass budget}. */
    public PipelineSettings(
            String defaultVocabulary,
            TagClipParams params,
            DecisionOptions decision,
            boolean boxes,
            Mode mode,
            BatchingPolicy batching) {
        this(defaultVocabulary, params, decision, boxes, mode, batching, FirstPassBudget.DEFAULT);
    }

    /** A copy with another default vocabulary. */
    public PipelineSettings withDefaultVocabulary(String vocabulary) {
        return new PipelineSettings(
                vocabulary, params, decision, boxes, mode, batching, firstPassBudget, extraLabelNames);
    }

    /** A copy with other algorithm constants. */
    public PipelineSettings withParams(TagClipParams newParams) {
        return new PipelineSettings(
                defaultVocabulary, newParams, decision, boxes, mode, batching, firstPassBudget, extraLabelNames);
    }

    /** A copy with other additions to the tag rule. */
    public PipelineSettings withDecision(DecisionOptions newDecision) {
        return new PipelineSettings(
                defaultVocabulary, params, newDecision, boxes, mode, batching, firstPassBudget, extraLabelNames);
    }

    /** A copy with boxes on or off. */
    public PipelineSettings withBoxes(boolean newBoxes) {
        return new PipelineSettings(
                defaultVocabulary, params, decision, newBoxes, mode, batching, firstPassBudget, extraLabelNames);
    }

    /** A copy in another mode. */
    public PipelineSettings withMode(Mode newMode) {
        return new PipelineSettings(
                defaultVocabulary, params, decision, boxes, newMode, batching, firstPassBudget, extraLabelNames);
    }

    /** A copy with another sizing and batching policy. */
    public PipelineSettings withBatching(BatchingPolicy newBatching) {
        return new PipelineSettings(
                defaultVocabulary, params, decision, boxes, mode, newBatching, firstPassBudget, extraLabelNames);
    }

    /** A copy with another first-pass memory budget. */
    public PipelineSettings withFirstPassBudget(FirstPassBudget newBudget) {
        return new PipelineSettings(
                defaultVocabulary, params, decision, boxes, mode, batching, newBudget, extraLabelNames);
    }

    /** A copy keeping the text features of {@code names} extra labels. */
    public PipelineSettings withExtraLabelNames(int names) {
        return new PipelineSettings(defaultVocabulary, params, decision, boxes, mode, batching, firstPassBudget, names);
    }

    /** Reference TagCLIP on {@code vocabulary}, with boxes. */
    public static PipelineSettings reference(String vocabulary) {
        return new PipelineSettings(
                vocabulary,
                TagClipParams.REFERENCE,
                DecisionOptions.REFERENCE,
                true,
                Mode.REFERENCE,
                BatchingPolicy.DEFAULT);
    }

    /** Throughput mode with the reference's constants and {@link BatchingPolicy#DEFAULT}. */
    public static PipelineSettings throughput(String vocabulary) {
        return new PipelineSettings(
                vocabulary,
                TagClipParams.REFERENCE,
                DecisionOptions.REFERENCE,
                true,
                Mode.THROUGHPUT,
                BatchingPolicy.DEFAULT);
    }

    /**
     * Short hash of everything that changes scores or tags (constants, decision rule, boxes, mode and, in
     * throughput mode, the sizing policy), carried into results as the parameters' version. The first-pass budget
     * decides only which images are refused and how forwards are grouped, not any result, so it is not part of it.
     */
    public String paramsVersion() {
        String sizing = mode == Mode.REFERENCE ? "reference" : "throughput " + batching;
        return ContentHash.of(params + "|" + decision + "|boxes=" + boxes + "|" + sizing);
    }
}
