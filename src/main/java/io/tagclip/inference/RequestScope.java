package io.tagclip.inference;

import io.tagclip.pipeline.Box;
import io.tagclip.pipeline.FailureKind;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.Tag;
import io.tagclip.pipeline.TagResult;
import io.tagclip.tagging.TagDecision;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * What one request may see: its vocabulary and, when it names labels, which of the vocabulary's classes it may
 * report ({@code allowed == null}: all of them). Shared by every method's pipeline, so that requests are checked
 * and results are shaped the same way whatever scored them.
 */
record RequestScope(Vocabulary vocabulary, boolean[] allowed) {

    /**
     * The scope {@code request} asks for.
     *
     * @throws Rejected when it names an unknown vocabulary or a label its vocabulary lacks
     */
    static RequestScope of(ImageRequest request, Vocabularies vocabularies, String defaultVocabulary) {
        String id = request.vocabularyId() == null ? defaultVocabulary : request.vocabularyId();
        Vocabulary vocabulary = vocabularies
                .find(id)
                .orElseThrow(() -> new Rejected(FailureKind.UNKNOWN_VOCABULARY, "unknown vocabulary '" + id + "'"));
        if (request.labels().isEmpty()) {
            return new RequestScope(vocabulary, null);
        }
        boolean[] allowed = new boolean[vocabulary.numClasses()];
        for (String label : request.labels()) {
            int index = vocabulary.indexOf(label);
            if (index < 0) {
                throw new Rejected(
                        FailureKind.UNKNOWN_LABEL,
                        "label '" + label + "' is not in vocabulary '" + vocabulary.id() + "'");
            }
            allowed[index] = true;
        }
        return new RequestScope(vocabulary, allowed);
    }

    /**
     * The result of {@code scores} (one per vocabulary class): the tags the decision rule keeps, highest first, each
     * with {@code boxOf(class)} (may be {@code null}), and the score of every label the request may see.
     */
    TagResult.Tagged tagged(
            String id,
            float[] scores,
            PipelineSettings settings,
            IntFunction<Box> boxOf,
            TagResult.Provenance provenance,
            long inferenceMillis) {
        List<Integer> chosen =
                TagDecision.decide(scores, settings.params(), settings.decision(), vocabulary.thresholds(), allowed);
        List<Tag> tags = new ArrayList<>(chosen.size());
        for (int c : chosen) {
            tags.add(new Tag(vocabulary.classes().get(c).label(), scores[c], boxOf.apply(c)));
        }
        Map<String, Float> reported = new LinkedHashMap<>();
        for (int c = 0; c < vocabulary.numClasses(); c++) {
            if (allowed == null || allowed[c]) {
                reported.put(vocabulary.classes().get(c).label(), scores[c]);
            }
        }
        return new TagResult.Tagged(id, tags, reported, provenance, inferenceMillis);
    }

    /** A request the pipeline refuses before any work, with the reason its result will carry. */
    static final class Rejected extends RuntimeException {

        private final FailureKind kind;

        Rejected(FailureKind kind, String message) {
            super(message);
            this.kind = kind;
        }

        TagResult.Failed failure(String id) {
            return new TagResult.Failed(id, kind, getMessage());
        }
    }
}
