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
 * report ({@code allowed == null}: all of them). With extra labels (open vocabulary), {@code vocabulary} is the named
 * vocabulary ({@code base}) with them appended as dataset classes, after its own; they are always reported and their
 * tags are marked ad hoc. Shared by every method's pipeline, so that requests are checked and results are shaped the
 * same way whatever scored them.
 *
 * @param vocabulary the classes scored: {@code base}, then the extra labels it lacks
 * @param allowed    which dataset classes may be reported, or null for all
 * @param base       the vocabulary the request named (or the default); results carry its id and version
 * @param extras     the extra labels {@code base} lacks, in request order, without repeats
 */
record RequestScope(Vocabulary vocabulary, boolean[] allowed, Vocabulary base, List<String> extras) {

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
        List<String> extras = new ArrayList<>();
        for (String extra : request.extraLabels()) {
            if (extra.isBlank()) {
                throw new Rejected(FailureKind.UNKNOWN_LABEL, "an extra label is blank");
            }
            if (vocabulary.indexOf(extra) < 0 && !extras.contains(extra)) {
                extras.add(extra);
            }
        }
        Vocabulary scored = extras.isEmpty() ? vocabulary : vocabulary.withExtraLabels(extras);
        if (request.labels().isEmpty()) {
            return new RequestScope(scored, null, vocabulary, List.copyOf(extras));
        }
        boolean[] allowed = new boolean[scored.numClasses()];
        for (String label : request.labels()) {
            int index = vocabulary.indexOf(label);
            if (index < 0) {
                throw new Rejected(
                        FailureKind.UNKNOWN_LABEL,
                        "label '" + label + "' is not in vocabulary '" + vocabulary.id() + "'");
            }
            allowed[index] = true;
        }
        for (int c = vocabulary.numClasses(); c < scored.numClasses(); c++) {
            allowed[c] = true;
        }
        for (String extra : request.extraLabels()) {
            int index = vocabulary.indexOf(extra);
            if (index >= 0) {
                allowed[index] = true; // asked for by name: reported even outside the label subset
            }
        }
        return new RequestScope(scored, allowed, vocabulary, List.copyOf(extras));
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
            tags.add(new Tag(
                    vocabulary.classes().get(c).label(), scores[c], boxOf.apply(c), null, c >= base.numClasses()));
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
