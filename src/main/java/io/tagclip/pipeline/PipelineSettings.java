package io.tagclip.pipeline;

import io.tagclip.tagclip.ContentHash;
import io.tagclip.tagclip.DecisionOptions;
import io.tagclip.tagclip.TagClipParams;
import java.util.Objects;

/**
 * How {@link TagClipPipeline} tags.
 *
 * @param defaultVocabulary vocabulary id used when a request names none
 * @param params            the algorithm's constants ({@link TagClipParams#REFERENCE} reproduces the reference)
 * @param decision          optional additions to the tag rule ({@link DecisionOptions#REFERENCE}: none)
 * @param boxes             attach a box to every tag (the DMAR boxes of its class, in original pixels)
 */
public record PipelineSettings(String defaultVocabulary, TagClipParams params, DecisionOptions decision,
        boolean boxes) {

    public PipelineSettings {
        Objects.requireNonNull(defaultVocabulary, "defaultVocabulary");
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(decision, "decision");
    }

    /** Reference TagCLIP on {@code vocabulary}, with boxes. */
    public static PipelineSettings reference(String vocabulary) {
        return new PipelineSettings(vocabulary, TagClipParams.REFERENCE, DecisionOptions.REFERENCE, true);
    }

    /** Short hash of everything that changes scores or tags, carried into results as the parameters' version. */
    public String paramsVersion() {
        return ContentHash.of(params + "|" + decision + "|boxes=" + boxes);
    }
}
