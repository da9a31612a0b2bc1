package io.tagclip.streams;

import io.tagclip.pipeline.FailureKind;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.Tag;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A deterministic pipeline: tags every image "w{width}" with score 1, fails vocabulary "nope" with
 * UNKNOWN_VOCABULARY, a label subset naming "no-such-label" with UNKNOWN_LABEL, an image whose id starts with
 * "explode" with INFERENCE_FAILED after two attempts (as a pipeline does whose shared forward failed and whose retry
 * alone failed again), and records the size of every call.
 */
public final class FakePipeline implements TaggingPipeline {

    public static final TagResult.Provenance PROVENANCE =
            new TagResult.Provenance("tagclip", "fake-model", null, "fake-vocab", "v1", "p1");

    public final List<Integer> callSizes = new CopyOnWriteArrayList<>();

    @Override
    public List<TagResult> tag(List<ImageRequest> requests) {
        callSizes.add(requests.size());
        List<TagResult> results = new ArrayList<>();
        for (ImageRequest r : requests) {
            if (r.id().startsWith("explode")) {
                results.add(new TagResult.Failed(r.id(), FailureKind.INFERENCE_FAILED, "boom on " + r.id(), 2));
            } else if ("nope".equals(r.vocabularyId())) {
                results.add(new TagResult.Failed(r.id(), FailureKind.UNKNOWN_VOCABULARY, "unknown vocabulary nope"));
            } else if (r.labels().contains("no-such-label")) {
                results.add(new TagResult.Failed(r.id(), FailureKind.UNKNOWN_LABEL, "unknown label no-such-label"));
            } else {
                String label = "w" + r.image().width();
                results.add(new TagResult.Tagged(
                        r.id(), List.of(new Tag(label, 1f, null)), Map.of(label, 1f), PROVENANCE, 3));
            }
        }
        return results;
    }
}
