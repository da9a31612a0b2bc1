package io.tagclip.inference;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.tagclip.batch.BatchingPolicy;
import io.tagclip.image.RgbImage;
import io.tagclip.pipeline.FailureKind;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.tagging.DecisionOptions;
import io.tagclip.tagging.TagClipParams;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class TagClipScoringTest {

    private TaggingPipeline pipeline;

    @BeforeEach
    void open() {
        pipeline = open(PipelineSettings.reference(Vocabularies.VOC2007));
    }

    private static TaggingPipeline open(PipelineSettings settings) {
        return open(settings, new RandomBackbone());
    }

    private static TaggingPipeline open(PipelineSettings settings, RandomBackbone backbone) {
        Vocabularies vocabularies = Vocabularies.builtIn()
                .with(List.of(Vocabulary.parse("pets", "cat\ndog\tthreshold=0.9\nbackground: sofa\n")));
        return Pipelines.tagClip(
                backbone, backbone, "random", "r1", vocabularies, settings, NDManager.newBaseManager());
    }

    @AfterEach
    void close() {
        pipeline.close();
    }

    @Test
    void shouldTagEveryRequestInOrderWithProvenance() {
        List<TagResult> results = pipeline.tag(List.of(request("a", 70, 50), request("b", 33, 20)));

        assertThat(results).extracting(TagResult::id).containsExactly("a", "b");
        TagResult.Tagged a = (TagResult.Tagged) results.get(0);
        assertThat(a.scores())
                .hasSize(20)
                .containsKeys("aeroplane", "tvmonitor")
                .doesNotContainKey("sky");
        assertThat(a.tags()).isNotEmpty();
        assertThat(a.provenance())
                .isEqualTo(new TagResult.Provenance(
                        "tagclip",
                        "random",
                        "r1",
                        "voc2007",
                        Vocabularies.builtIn().get("voc2007").version(),
                        PipelineSettings.reference("voc2007").paramsVersion()));
    }

    @ParameterizedTest
    @EnumSource(PipelineSettings.Mode.class)
    void shouldFailOnlyTheImageWhoseInferenceFails(PipelineSettings.Mode mode) {
        if (mode == PipelineSettings.Mode.THROUGHPUT) {
            pipeline.close();
            pipeline = open(new PipelineSettings(
                    Vocabularies.VOC2007,
                    TagClipParams.REFERENCE,
                    DecisionOptions.REFERENCE,
                    true,
                    mode,
                    new BatchingPolicy(512, 16, 8, 16, 1024)));
        }
        RgbImage bad = image(30, 30, 7);
        Arrays.fill(bad.pixels(), 0, 30 * 4 * 3, (byte) 0); // black top rows stay black after resizing
        List<TagResult> results =
                pipeline.tag(List.of(request("ok1", 30, 30), ImageRequest.of("bad", bad), request("ok2", 20, 20)));

        assertThat(results.get(0)).isInstanceOf(TagResult.Tagged.class);
        assertThat(results.get(2)).isInstanceOf(TagResult.Tagged.class);
        TagResult.Failed failed = (TagResult.Failed) results.get(1);
        assertThat(failed.kind()).isEqualTo(FailureKind.INFERENCE_FAILED);
        assertThat(failed.message()).contains("bad").contains("simulated engine failure");
    }

    @Test
    void shouldNameUnknownVocabularyAndLabel() {
        RgbImage image = image(32, 32, 1);
        List<TagResult> results = pipeline.tag(List.of(
                new ImageRequest("v", image, "imagenet", List.of()),
                new ImageRequest("l", image, "voc2007", List.of("cat", "unicorn"))));

        assertThat(results.get(0))
                .isEqualTo(new TagResult.Failed("v", FailureKind.UNKNOWN_VOCABULARY, "unknown vocabulary 'imagenet'"));
        assertThat(results.get(1))
                .isEqualTo(new TagResult.Failed(
                        "l", FailureKind.UNKNOWN_LABEL, "label 'unicorn' is not in vocabulary 'voc2007'"));
    }

    @Test
    void shouldRestrictTagsAndScoresToRequestedLabels() {
        List<TagResult> results =
                pipeline.tag(List.of(new ImageRequest("s", image(64, 48, 2), "voc2007", List.of("cat", "dog"))));

        TagResult.Tagged tagged = (TagResult.Tagged) results.get(0);
        assertThat(tagged.scores()).containsOnlyKeys("cat", "dog");
        assertThat(tagged.tags())
                .isNotEmpty()
                .allSatisfy(t -> assertThat(t.label()).isIn("cat", "dog"));
    }

    @Test
    void shouldNotDependOnBatchMates() {
        ImageRequest alone = request("x", 50, 40);

        TagResult.Tagged single =
                (TagResult.Tagged) pipeline.tag(List.of(alone)).get(0);
        TagResult.Tagged inBatch =
                (TagResult.Tagged) pipeline.tag(List.of(request("y", 30, 60), alone, request("z", 16, 16)))
                        .get(1);

        assertThat(inBatch.scores()).isEqualTo(single.scores());
        assertThat(inBatch.tags()).isEqualTo(single.tags());
    }

    @Test
    void shouldPlaceBoxesInsideOriginalImage() {
        TagResult.Tagged tagged =
                (TagResult.Tagged) pipeline.tag(List.of(request("b", 75, 41))).get(0);

        assertThat(tagged.tags()).allSatisfy(tag -> {
            if (tag.box() != null) {
                assertThat(tag.box().x1()).isLessThanOrEqualTo(75);
                assertThat(tag.box().y1()).isLessThanOrEqualTo(41);
                assertThat(tag.box().x1()).isGreaterThan(tag.box().x0());
            }
        });
    }

    @Test
    void shouldUseCustomVocabularyWithItsVersion() {
        TagResult.Tagged tagged =
                (TagResult.Tagged) pipeline.tag(List.of(new ImageRequest("p", image(32, 32, 3), "pets", List.of())))
                        .get(0);

        assertThat(tagged.scores()).containsOnlyKeys("cat", "dog");
        assertThat(tagged.provenance().vocabularyId()).isEqualTo("pets");
        assertThat(tagged.provenance().vocabularyVersion()).hasSize(12);
    }

    /**
     * A 256x256 image keeps 12 or 24 maps of [257,257] float32 (3.2 or 6.3 MB): a 13 MiB budget holds four of them
     * per forward on a 12-layer model and two on a 24-layer one (ViT-L/14's depth).
     */
    @ParameterizedTest
    @CsvSource({"12, 4", "24, 2"})
    void shouldSizeTheFirstPassAttentionBudgetFromTheModelsLayerCount(int layers, int imagesPerForward) {
        RandomBackbone backbone = new RandomBackbone(layers);
        PipelineSettings settings = new PipelineSettings(
                Vocabularies.VOC2007,
                TagClipParams.REFERENCE,
                DecisionOptions.REFERENCE,
                false,
                PipelineSettings.Mode.THROUGHPUT,
                new BatchingPolicy(512, 16, 8, 16, 13));
        try (TaggingPipeline deep = open(settings, backbone)) {
            List<ImageRequest> requests = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                requests.add(request("img-" + i, 256, 256));
            }
            assertThat(deep.tag(requests)).allSatisfy(r -> assertThat(r).isInstanceOf(TagResult.Tagged.class));
        }
        assertThat(backbone.firstPassSizes)
                .as("images per first-pass forward")
                .containsExactlyElementsOf(Collections.nCopies(8 / imagesPerForward, imagesPerForward));
    }

    private static ImageRequest request(String id, int w, int h) {
        return ImageRequest.of(id, image(w, h, id.hashCode()));
    }

    private static RgbImage image(int w, int h, long seed) {
        byte[] px = new byte[w * h * 3];
        new Random(seed).nextBytes(px);
        return new RgbImage(w, h, px);
    }
}
