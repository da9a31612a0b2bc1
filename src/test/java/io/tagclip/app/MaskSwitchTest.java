package io.tagclip.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.tagclip.clip.ClipModel;
import io.tagclip.golden.Golden;
import io.tagclip.golden.TinyModel;
import io.tagclip.image.RgbImage;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.Tag;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tagger.model.masks} turns classify-then-segment on in the service's pipeline: the configuration is read
 * through the same mapping as the packaged service, and the pipeline is the one {@link PipelineProducer} serves.
 */
class MaskSwitchTest {

    private static ClipModel model;

    @TempDir
    static Path textCache;

    @BeforeAll
    static void load() {
        model = TinyModel.shared();
    }

    private static TaggerConfig config(Map<String, String> overrides) {
        Map<String, String> properties = new HashMap<>();
        properties.put("tagger.model.vocabulary", "voc2007");
        properties.put("tagger.model.mode", "reference");
        properties.put("tagger.model.text-cache-dir", textCache.toString());
        properties.putAll(overrides);
        return TaggerConfigs.of(properties);
    }

    private static List<Tag> tags(Map<String, String> overrides) {
        try (TaggingPipeline pipeline =
                new PipelineProducer().pipeline(model, config(overrides), new TextFeatureStatus())) {
            TagResult result = pipeline.tag(List.of(ImageRequest.of("chelsea", Golden.image("images/chelsea.png"))))
                    .get(0);
            assertThat(result).isInstanceOf(TagResult.Tagged.class);
            List<Tag> tags = ((TagResult.Tagged) result).tags();
            assertThat(tags).isNotEmpty();
            return tags;
        }
    }

    @Test
    void shouldLeaveMasksOffByDefault() {
        assertThat(config(Map.of()).model().masks()).isFalse();
        assertThat(tags(Map.of())).allSatisfy(tag -> assertThat(tag.mask()).isNull());
    }

    @Test
    void shouldGiveEveryTagAMaskOfTheImageWhenSwitchedOn() {
        RgbImage image = Golden.image("images/chelsea.png");

        List<Tag> tags = tags(Map.of("tagger.model.masks", "true"));

        assertThat(tags).allSatisfy(tag -> {
            assertThat(tag.mask()).as(tag.label()).isNotNull();
            assertThat(tag.mask().height()).isEqualTo(image.height());
            assertThat(tag.mask().width()).isEqualTo(image.width());
        });
        assertThat(tags.stream().mapToDouble(tag -> tag.mask().coverage()).sum())
                .as("the masks of one image are disjoint")
                .isLessThanOrEqualTo(1.0 + 1e-9);
    }
}
