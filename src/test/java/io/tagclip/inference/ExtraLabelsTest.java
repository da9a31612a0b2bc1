package io.tagclip.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.tagclip.clip.ClipModel;
import io.tagclip.golden.TinyModel;
import io.tagclip.image.RgbImage;
import io.tagclip.pipeline.FailureKind;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.Method;
import io.tagclip.pipeline.Tag;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.testing.Tolerance;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Extra labels (open vocabulary) score exactly as the same labels would in a vocabulary that lists them after its
 * own classes; results name the vocabulary the event named, and mark the extra labels' tags.
 */
class ExtraLabelsTest {

    private static final Vocabulary PETS = Vocabulary.parse("pets", "cat\ndog\nbackground: sofa\n");
    /** What an event of pets with the extra labels zebra and kite is scored as. */
    private static final Vocabulary PETS_AND_EXTRAS =
            Vocabulary.parse("pets", "cat\ndog\nzebra\nkite\nbackground: sofa\n");

    private static ClipModel model;
    private static RgbImage image;

    @BeforeAll
    static void load() {
        model = TinyModel.shared();
        byte[] pixels = new byte[64 * 48 * 3];
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) random.nextInt(256);
        }
        image = new RgbImage(64, 48, pixels);
    }

    private static TaggingPipeline open(Method method, Vocabulary vocabulary) {
        return Pipelines.open(
                model, method, Vocabularies.of(List.of(vocabulary)), PipelineSettings.throughput(vocabulary.id()));
    }

    private static float[] scores(TagResult.Tagged tagged, List<String> labels) {
        float[] out = new float[labels.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = tagged.scores().get(labels.get(i));
        }
        return out;
    }

    @Test
    void shouldScoreExtraLabelsAsAVocabularyListingThemWouldAndNameTheEventsVocabulary() {
        try (TaggingPipeline adHoc = open(Method.TAGCLIP, PETS);
                TaggingPipeline listed = open(Method.TAGCLIP, PETS_AND_EXTRAS)) {
            TagResult.Tagged extra = (TagResult.Tagged)
                    adHoc.tag(List.of(new ImageRequest("img", image, "pets", List.of(), List.of("zebra", "kite"))))
                            .get(0);
            TagResult.Tagged reference =
                    (TagResult.Tagged) listed.tag(List.of(new ImageRequest("img", image, "pets", List.of())))
                            .get(0);

            List<String> labels = List.of("cat", "dog", "zebra", "kite");
            assertThat(extra.scores().keySet()).containsExactlyElementsOf(labels);
            Tolerance.assertClose("scores with extra labels", scores(extra, labels), scores(reference, labels), 1e-6);
            assertThat(extra.tags())
                    .extracting(Tag::label)
                    .isEqualTo(reference.tags().stream().map(Tag::label).toList());
            assertThat(extra.tags())
                    .allSatisfy(
                            t -> assertThat(t.adHoc()).isEqualTo(!PETS.labels().contains(t.label())));
            assertThat(extra.provenance().vocabularyId()).isEqualTo("pets");
            assertThat(extra.provenance().vocabularyVersion()).isEqualTo(PETS.version());
        }
    }

    @Test
    void shouldReportExtraLabelsBesideALabelSubsetAndTreatAVocabularyLabelAsItself() {
        try (TaggingPipeline pipeline = open(Method.TAGCLIP, PETS)) {
            TagResult.Tagged tagged = (TagResult.Tagged) pipeline.tag(List.of(
                            new ImageRequest("img", image, "pets", List.of("cat"), List.of("zebra", "dog", "zebra"))))
                    .get(0);

            assertThat(tagged.scores().keySet()).containsExactlyInAnyOrder("cat", "dog", "zebra");
            assertThat(tagged.tags())
                    .filteredOn(t -> t.label().equals("dog"))
                    .allSatisfy(t -> assertThat(t.adHoc()).isFalse());
        }
    }

    @Test
    void shouldMakeExtraLabelsAheadSoThatACallFindsThem() {
        try (TaggingPipeline pipeline = open(Method.TAGCLIP, PETS)) {
            assertThat(pipeline.extraLabelsReady(List.of("heron"))).isFalse();

            pipeline.prepareExtraLabels(List.of("heron"));

            assertThat(pipeline.extraLabelsReady(List.of("heron"))).isTrue();
            assertThat(pipeline.extraLabelsReady(List.of("heron", "otter"))).isFalse();
        }
    }

    @Test
    void shouldRefuseExtraLabelsForAMethodThatScoresOnlyItsVocabulary() {
        try (TaggingPipeline pipeline = open(Method.CLIP_GLOBAL, PETS)) {
            TagResult result = pipeline.tag(
                            List.of(new ImageRequest("img", image, "pets", List.of(), List.of("zebra"))))
                    .get(0);

            assertThat(result).isInstanceOf(TagResult.Failed.class);
            TagResult.Failed failed = (TagResult.Failed) result;
            assertThat(failed.kind()).isEqualTo(FailureKind.UNKNOWN_LABEL);
            assertThat(failed.message()).contains("clip-global", "zebra", "tagclip");
        }
    }
}
