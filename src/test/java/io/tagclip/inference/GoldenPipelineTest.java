package io.tagclip.inference;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.HostTransfers;
import io.tagclip.clip.PromptEnsemble;
import io.tagclip.golden.Golden;
import io.tagclip.golden.TinyModel;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.Tag;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.testing.Tolerance;
import io.tagclip.vocab.TextTable;
import io.tagclip.vocab.Vocabularies;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole pipeline (text side included) on the golden fixture: decoded images in, tags out, against the
 * reference's final scores and tags; and throughput mode's drift from them. Text features are computed once per
 * vocabulary for the whole class (the slow part: 45 and 103 classes x 85 prompts).
 */
class GoldenPipelineTest {

    /** Largest score difference the README states for throughput against reference mode. */
    static final double THROUGHPUT_DRIFT = 1.0e-7;

    private static ClipModel model;
    private static NDManager keep;
    private static TextTable.NameEmbedder embedder;

    @BeforeAll
    static void load() {
        model = TinyModel.shared();
        keep = NDManager.newBaseManager();
        Map<List<String>, NDArray> cache = new HashMap<>();
        embedder = (names, manager) -> {
            NDArray table = cache.computeIfAbsent(List.copyOf(names), n -> PromptEnsemble.embed(model, n, keep));
            NDArray copy = table.duplicate();
            copy.attach(manager);
            return copy;
        };
    }

    @AfterAll
    static void close() {
        keep.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"voc2007", "coco2014"})
    void shouldBuildReferenceTextTable(String vocab) {
        JsonNode expected = Golden.expected("text_" + vocab + ".json").get("text_features_used");
        try (NDManager scope = keep.newSubManager()) {
            float[] table = TextTable.build(Vocabularies.builtIn().get(vocab), embedder, scope)
                    .toFloatArray();

            Tolerance.assertClose("text features", table, Golden.matrix(expected), 1e-5);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"voc2007", "coco2014"})
    void shouldTagGoldenImagesLikeReference(String vocab) {
        try (TaggingPipeline pipeline = pipeline(PipelineSettings.reference(vocab))) {
            List<TagResult> results = pipeline.tag(requests(List.of("chelsea_small", "camera_crop", "astronaut_224")));

            for (TagResult result : results) {
                JsonNode expected = Golden.expected(result.id(), vocab);
                TagResult.Tagged tagged = (TagResult.Tagged) result;
                float[] scores = toArray(tagged.scores().values());
                Tolerance.assertClose(
                        result.id() + " final scores", scores, Golden.floats(expected.get("final_scores")), 1e-5);
                assertThat(tagged.tags())
                        .extracting(Tag::label)
                        .as(result.id())
                        .containsExactlyInAnyOrderElementsOf(names(expected.get("tag_names")));
                assertThat(tagged.tags()).allSatisfy(tag -> {
                    if (tag.box() != null) {
                        assertThat(tag.box().x1())
                                .isLessThanOrEqualTo(
                                        expected.get("original").get("width").asInt());
                        assertThat(tag.box().y1())
                                .isLessThanOrEqualTo(
                                        expected.get("original").get("height").asInt());
                    }
                });
                assertThat(tagged.provenance().modelRevision()).isEqualTo(model.revision());
            }
        }
    }

    /**
     * Throughput mode with the default policy keeps every golden image at the reference's size, so it must give the
     * reference's scores up to batching noise (README tolerance 1e-5) and its tags, with all eight images of
     * different sizes in one batch and their CWR crops pooled.
     */
    @Test
    void shouldKeepReferenceScoresAndTagsInThroughputModeWithDefaultPolicy() {
        PipelineSettings settings = PipelineSettings.throughput(Vocabularies.VOC2007);
        try (TaggingPipeline pipeline = pipeline(settings)) {
            List<TagResult> results = pipeline.tag(requests(Golden.IMAGES));

            for (TagResult result : results) {
                JsonNode expected = Golden.expected(result.id(), "voc2007");
                TagResult.Tagged tagged = (TagResult.Tagged) result;
                Tolerance.assertClose(
                        result.id() + " final scores",
                        toArray(tagged.scores().values()),
                        Golden.floats(expected.get("final_scores")),
                        1e-5);
                assertThat(tagged.tags())
                        .extracting(Tag::label)
                        .as(result.id())
                        .containsExactlyInAnyOrderElementsOf(names(expected.get("tag_names")));
            }
        }
    }

    /**
     * Throughput mode against reference mode on all eight golden images (eight sizes, 48×64 to 512×752, kept at the
     * reference's size by the default policy) in one batch: scores within {@link #THROUGHPUT_DRIFT}, identical tags.
     */
    @Test
    void shouldStayWithinTheStatedDriftOfReferenceModeWithIdenticalTags() {
        List<TagResult> reference;
        List<TagResult> throughput;
        try (TaggingPipeline pipeline = pipeline(PipelineSettings.reference(Vocabularies.VOC2007))) {
            reference = pipeline.tag(requests(Golden.IMAGES));
        }
        try (TaggingPipeline pipeline = pipeline(PipelineSettings.throughput(Vocabularies.VOC2007))) {
            throughput = pipeline.tag(requests(Golden.IMAGES));
        }
        double worst = 0;
        for (int i = 0; i < reference.size(); i++) {
            TagResult.Tagged expected = (TagResult.Tagged) reference.get(i);
            TagResult.Tagged actual = (TagResult.Tagged) throughput.get(i);
            float[] a = toArray(actual.scores().values());
            float[] e = toArray(expected.scores().values());
            for (int c = 0; c < e.length; c++) {
                worst = Math.max(worst, Math.abs(a[c] - e[c]));
            }
            assertThat(actual.tags())
                    .extracting(Tag::label)
                    .as(actual.id())
                    .containsExactlyElementsOf(
                            expected.tags().stream().map(Tag::label).toList());
        }
        assertThat(worst)
                .as("max |throughput - reference| over all images and classes")
                .isLessThanOrEqualTo(THROUGHPUT_DRIFT);
    }

    /**
     * Device-to-host copies per pipeline call ({@link HostTransfers}): one for DMAR's boxes and one for CWR's plans
     * per first-pass forward, one for all crop probabilities; so the same for one image as for four (same size, one
     * forward), in both modes. Boxes and scores come out of those copies.
     */
    @ParameterizedTest
    @ValueSource(strings = {"reference", "throughput"})
    void shouldReadTheHostAConstantNumberOfTimesPerCallWhateverTheNumberOfImages(String mode) {
        PipelineSettings settings = mode.equals("reference")
                ? PipelineSettings.reference(Vocabularies.VOC2007)
                : PipelineSettings.throughput(Vocabularies.VOC2007);
        try (TaggingPipeline pipeline = pipeline(settings.withBoxes(true))) {
            pipeline.warmUp(); // the text side is built once per vocabulary, outside the calls counted here
            List<Long> counts = new ArrayList<>();
            for (int images : new int[] {1, 4}) {
                List<ImageRequest> requests = new ArrayList<>();
                for (int i = 0; i < images; i++) {
                    requests.add(ImageRequest.of("chelsea_small-" + i, Golden.inputImage("chelsea_small")));
                }
                long before = HostTransfers.count();
                List<TagResult> results = pipeline.tag(requests);
                counts.add(HostTransfers.count() - before);
                assertThat(results).allSatisfy(r -> assertThat(r).isInstanceOf(TagResult.Tagged.class));
            }
            // chelsea_small has CWR crops, so all three copies happen.
            assertThat(counts).as("host reads per call for 1 and 4 images").containsExactly(3L, 3L);
        }
    }

    private static TaggingPipeline pipeline(PipelineSettings settings) {
        return Pipelines.tagClip(
                new ClipModelBackbone(model),
                embedder,
                model.modelId(),
                model.revision(),
                Vocabularies.builtIn(),
                settings,
                NDManager.newBaseManager());
    }

    static List<ImageRequest> requests(List<String> images) {
        List<ImageRequest> requests = new ArrayList<>();
        images.forEach(name -> requests.add(ImageRequest.of(name, Golden.inputImage(name))));
        return requests;
    }

    static float[] toArray(Collection<Float> values) {
        float[] out = new float[values.size()];
        int i = 0;
        for (float v : values) {
            out[i++] = v;
        }
        return out;
    }

    static List<String> names(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
