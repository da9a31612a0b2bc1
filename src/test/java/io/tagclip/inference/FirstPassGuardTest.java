package io.tagclip.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.tagclip.batch.FirstPassMemory;
import io.tagclip.clip.ClipModel;
import io.tagclip.golden.TinyModel;
import io.tagclip.image.RgbImage;
import io.tagclip.pipeline.FailureKind;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.Method;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The memory guard on the real (tiny) model: a 12-megapixel phone photo (4000x3000) in reference mode is refused in
 * a moment, with the estimate in the message, while in throughput mode (a 768-pixel long side) it is tagged; with
 * masks on, whose Grad-CAM pass runs at the image's own size in every mode, its masks are refused the same way. Its
 * small batch-mate is tagged every time.
 */
class FirstPassGuardTest {

    /** Fixed, so that the outcome does not depend on the memory of the machine running the test. */
    static final long BUDGET = 2L << 30;

    private static ClipModel model;
    private static Vocabularies vocabularies;
    private static RgbImage phone;

    @BeforeAll
    static void load() {
        model = TinyModel.shared();
        vocabularies = Vocabularies.builtIn().with(List.of(Vocabulary.parse("pets", "cat\ndog\nbackground: sofa\n")));
        byte[] grey = new byte[4000 * 3000 * 3];
        Arrays.fill(grey, (byte) 120);
        phone = new RgbImage(4000, 3000, grey);
    }

    private static TaggingPipeline open(PipelineSettings.Mode mode) {
        PipelineSettings settings =
                PipelineSettings.reference("pets").withMode(mode).withFirstPassBudget(FirstPassBudget.ofBytes(BUDGET));
        return Pipelines.open(model, Method.TAGCLIP, vocabularies, settings);
    }

    private static List<TagResult> tag(TaggingPipeline pipeline) {
        return pipeline.tag(List.of(ImageRequest.of("phone", phone), ImageRequest.of("small", small())));
    }

    @Test
    void shouldRefuseThePhotoInReferenceModeInAMomentNamingTheEstimate() {
        long estimate = ClipModelBackbone.firstPassMemory(model).tagClipBytes(1, 47_001, false);
        List<TagResult> results;
        double seconds;
        try (TaggingPipeline pipeline = open(PipelineSettings.Mode.REFERENCE)) {
            pipeline.tag(List.of(ImageRequest.of("warm-up", small()))); // text features, outside the timed call
            long start = System.nanoTime();
            results = tag(pipeline);
            seconds = (System.nanoTime() - start) / 1e9;
        }

        TagResult.Failed refused = (TagResult.Failed) results.get(0);
        assertThat(refused.kind()).isEqualTo(FailureKind.TOO_LARGE);
        assertThat(refused.message())
                .contains("image 'phone' (4000x3000)", "reference mode's first pass", "4000x3008", "47,001 tokens")
                .contains("(" + estimate + " bytes)", "2.0 GiB (" + BUDGET + " bytes)")
                .contains("throughput mode", "long side of at most");
        assertThat(results.get(1)).isInstanceOf(TagResult.Tagged.class);
        assertThat(seconds).as("refused before its forward").isLessThan(20);
    }

    @Test
    void shouldTagThePhotoInThroughputMode() {
        assertThat(ClipModelBackbone.firstPassMemory(model)
                        .tagClipBytes(1, FirstPassMemory.tokens(768, 576, 16), false))
                .as("throughput mode's first pass at 768x576")
                .isLessThan(BUDGET);
        try (TaggingPipeline pipeline = open(PipelineSettings.Mode.THROUGHPUT)) {
            List<TagResult> results = tag(pipeline);

            assertThat(results).allSatisfy(result -> assertThat(result).isInstanceOf(TagResult.Tagged.class));
            assertThat(((TagResult.Tagged) results.get(0)).tags()).isNotEmpty();
        }
    }

    @Test
    void shouldRefuseThePhotosMasksAtItsOwnSizeInThroughputMode() {
        try (TaggingPipeline pipeline = Pipelines.withMasks(
                open(PipelineSettings.Mode.THROUGHPUT), model, vocabularies, FirstPassBudget.ofBytes(BUDGET))) {
            List<TagResult> results = tag(pipeline);

            TagResult.Failed refused = (TagResult.Failed) results.get(0);
            assertThat(refused.kind()).isEqualTo(FailureKind.TOO_LARGE);
            assertThat(refused.message())
                    .contains("image 'phone' (4000x3000)", "Grad-CAM pass of its masks", "47,001 tokens")
                    .contains("masks run at the image's own size", "without masks");
            TagResult.Tagged tagged = (TagResult.Tagged) results.get(1);
            assertThat(tagged.tags()).allSatisfy(tag -> assertThat(tag.mask()).isNotNull());
        }
    }

    private static RgbImage small() {
        byte[] pixels = new byte[320 * 240 * 3];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 7 % 251);
        }
        return new RgbImage(320, 240, pixels);
    }
}
