package io.tagclip.inference;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.tagclip.batch.BatchingPolicy;
import io.tagclip.batch.FirstPassMemory;
import io.tagclip.clip.ClipConfig;
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

    /**
     * A 12-megapixel phone photo in reference mode on a model of ViT-B/16's dimensions: 4000x3008 at 16-pixel patches
     * is 47,001 tokens, whose first pass would need about 290 GB. It is refused before any forward (the stand-in
     * records none for it), naming its size, tokens, estimate, budget and the ways out; its batch-mate is tagged.
     */
    @Test
    void shouldRefuseAFirstPassOverTheBudgetBeforeAnyForwardAndTagItsBatchMate() {
        ClipConfig vit = ClipConfig.vitB16();
        RandomBackbone backbone = new RandomBackbone(new FirstPassMemory(
                vit.visionLayers(), vit.visionHeads(), vit.visionWidth(), vit.visionMlpWidth(), false));
        long budget = 16L << 30;
        PipelineSettings settings =
                PipelineSettings.reference(Vocabularies.VOC2007).withFirstPassBudget(FirstPassBudget.ofBytes(budget));
        long start = System.nanoTime();
        List<TagResult> results;
        try (TaggingPipeline guarded = open(settings, backbone)) {
            results = guarded.tag(List.of(
                    ImageRequest.of("phone", new RgbImage(4000, 3000, new byte[4000 * 3000 * 3])),
                    request("small", 64, 48)));
        }
        double seconds = (System.nanoTime() - start) / 1e9;

        TagResult.Failed refused = (TagResult.Failed) results.get(0);
        assertThat(refused.kind()).isEqualTo(FailureKind.TOO_LARGE);
        assertThat(refused.attempts()).isEqualTo(1);
        long estimate = backbone.firstPassMemory().tagClipBytes(1, 47_001, false);
        assertThat(estimate).isGreaterThan(283_000_000_000L);
        assertThat(refused.message())
                .startsWith("image 'phone' (4000x3000): too large for reference mode's first pass: at 4000x3008 it"
                        + " has 47,001 tokens")
                .contains("(" + estimate + " bytes)", "16.0 GiB (" + budget + " bytes)")
                .contains("tagger.model.max-first-pass-bytes", "--max-first-pass-bytes")
                .contains("throughput mode", "a 768-pixel long side", "long side of at most", "raise the budget");
        assertThat(results.get(1)).isInstanceOf(TagResult.Tagged.class);
        assertThat(backbone.firstPassSizes).as("one forward, the batch-mate's").containsExactly(1);
        assertThat(seconds).as("refused without a forward").isLessThan(20);
    }

    /**
     * Eight 256x256 first passes (257 tokens) of about 11.7 MB each, over the fixed 32 MiB, within a budget that
     * holds two: they run two per forward, fewer than the batching policy alone would allow.
     */
    @Test
    void shouldShareAFirstPassForwardOnlyAsFarAsTheBudgetHolds() {
        RandomBackbone backbone = new RandomBackbone();
        FirstPassMemory memory = backbone.firstPassMemory();
        long budget = (memory.tagClipBytes(2, 257, false) + memory.tagClipBytes(3, 257, false)) / 2;
        PipelineSettings settings = PipelineSettings.throughput(Vocabularies.VOC2007)
                .withBatching(new BatchingPolicy(512, 16, 8, 16, 1024, 0))
                .withFirstPassBudget(FirstPassBudget.ofBytes(budget));
        try (TaggingPipeline budgeted = open(settings, backbone)) {
            List<ImageRequest> requests = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                requests.add(request("img-" + i, 256, 256));
            }
            assertThat(budgeted.tag(requests)).allSatisfy(r -> assertThat(r).isInstanceOf(TagResult.Tagged.class));
        }
        assertThat(backbone.firstPassSizes).containsExactly(2, 2, 2, 2);
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
