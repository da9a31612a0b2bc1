package io.tagclip.pipeline;

import java.util.List;

/**
 * Tags a batch of decoded images. The only interface the Kafka side calls.
 *
 * <p>Contract: returns exactly one result per request, in request order, with the request's id. A problem with
 * one image yields a {@link TagResult.Failed} for that image and never fails its batch-mates. Results do not
 * depend on which other images share the batch. Implementations are thread-safe.
 */
public interface TaggingPipeline extends AutoCloseable {

    List<TagResult> tag(List<ImageRequest> requests);

    /** Runs one tiny batch of each shape the pipeline will use, so that the first real batch is not slow. */
    default void warmUp() {}

    @Override
    default void close() {}
}
