package io.tagclip.app;

import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.streams.FakePipeline;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Gives {@code @QuarkusTest}s a deterministic pipeline, winning over the real one. */
public class TestPipelineProducer {

    @Produces
    @Singleton
    @Alternative
    @Priority(1)
    TaggingPipeline pipeline() {
        return new FakePipeline();
    }
}
