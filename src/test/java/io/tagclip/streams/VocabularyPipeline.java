package io.tagclip.streams;

import io.tagclip.pipeline.FailureKind;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.Tag;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A pipeline that knows the vocabularies deployed to it, and may be given more while it runs: a request naming
 * another one fails with UNKNOWN_VOCABULARY, as the real pipeline's does; otherwise the image is tagged with every
 * label of the request's subset (or of the vocabulary), score 0.5, the vocabulary named in the provenance.
 */
public final class VocabularyPipeline implements TaggingPipeline {

    private final Map<String, List<String>> vocabularies = new ConcurrentHashMap<>();

    /** Makes vocabulary {@code id} with {@code labels} known from the next call on. */
    public void deploy(String id, List<String> labels) {
        vocabularies.put(id, List.copyOf(labels));
    }

    @Override
    public List<TagResult> tag(List<ImageRequest> requests) {
        List<TagResult> results = new ArrayList<>();
        for (ImageRequest r : requests) {
            List<String> vocabulary = r.vocabularyId() == null ? null : vocabularies.get(r.vocabularyId());
            if (vocabulary == null) {
                results.add(new TagResult.Failed(
                        r.id(), FailureKind.UNKNOWN_VOCABULARY, "unknown vocabulary " + r.vocabularyId()));
                continue;
            }
            List<String> labels = r.labels().isEmpty() ? vocabulary : r.labels();
            results.add(new TagResult.Tagged(
                    r.id(),
                    labels.stream().map(label -> new Tag(label, 0.5f, null)).toList(),
                    Map.of(),
                    new TagResult.Provenance("tagclip", "test-model", null, r.vocabularyId(), "v1", "p1"),
                    1));
        }
        return results;
    }
}
