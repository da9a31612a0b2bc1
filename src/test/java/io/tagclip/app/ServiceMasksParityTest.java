package io.tagclip.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.tagclip.clip.ClipModel;
import io.tagclip.golden.ClsSegGolden;
import io.tagclip.golden.Golden;
import io.tagclip.golden.LabelMapParity;
import io.tagclip.golden.TinyModel;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.Tag;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.segment.CocoRle;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The service's masking pipeline ({@code tagger.model.masks=true}, as {@link PipelineProducer} serves it) against the
 * official CLS-SEG label maps of {@code clsseg-tiny}: the label map the tags' masks make up for each golden image
 * equals the oracle's except at the pixels the oracle lists as fragile.
 *
 * <p>The oracle segmented each image for the tags the official {@code classify.py} gave it, and the service segments
 * for the tags TagCLIP gives it first, so a run is comparable only where the two tag sets are equal. On the tiny model
 * in reference mode they are equal on all eleven runs of the fixture (the eight VOC images, and astronaut_224,
 * camera_crop and chelsea_small with COCO); the test checks that for each run before it compares its label map.
 *
 * <p>TagCLIP lists the tags highest score first, while the oracle read its labels in ascending class index, and the
 * label map depends on that order (a pixel where two labels' fp16 maps tie goes to the earlier one): nine of the
 * eleven runs fail when the tags reach the segmenter in score order. One run, chelsea.voc, is judged against the
 * segmenter's own label map for the oracle's labels instead of the oracle's: the port's 'boat' Grad-CAM falls on the
 * other side of the oracle's cut-fragile cell, and the fixture compares such a label only up to its boxes
 * ({@link LabelMapParity}).
 */
class ServiceMasksParityTest {

    /** The fixture's dataset name of each vocabulary. */
    private static final Map<String, String> DATASETS = Map.of("voc2007", "voc", "coco2014", "coco");

    private static ClipModel model;

    @TempDir
    static Path textCache;

    @BeforeAll
    static void load() {
        model = TinyModel.shared();
    }

    @ParameterizedTest
    @ValueSource(strings = {"voc2007", "coco2014"})
    void shouldMaskTagsLikeTheOfficialLabelMapsForTheOraclesLabels(String vocabularyId) {
        String dataset = DATASETS.get(vocabularyId);
        List<String> runs = ClsSegGolden.RUNS.stream()
                .filter(run -> run.endsWith("." + dataset))
                .toList();
        TaggerConfig config = TaggerConfigs.of(Map.of(
                "tagger.model.vocabulary",
                vocabularyId,
                "tagger.model.mode",
                "reference",
                "tagger.model.masks",
                "true",
                "tagger.model.text-cache-dir",
                textCache.toString()));
        List<ImageRequest> requests = runs.stream()
                .map(run -> new ImageRequest(run, Golden.inputImage(image(run)), vocabularyId, List.of()))
                .toList();
        List<TagResult> results;

        try (TaggingPipeline pipeline = new PipelineProducer().pipeline(model, config, new TextFeatureStatus())) {
            results = pipeline.tag(requests);
        }

        assertThat(results).hasSameSizeAs(runs);
        Vocabulary vocabulary = Vocabularies.builtIn().get(vocabularyId);
        SoftAssertions softly = new SoftAssertions();
        for (int r = 0; r < runs.size(); r++) {
            String run = runs.get(r);
            assertThat(results.get(r)).as(run).isInstanceOf(TagResult.Tagged.class);
            List<Tag> tags = ((TagResult.Tagged) results.get(r)).tags();
            assertThat(tags)
                    .extracting(Tag::score)
                    .as("%s: the tags keep TagCLIP's order, highest score first", run)
                    .isSortedAccordingTo(Comparator.reverseOrder());
            TreeSet<Integer> tagged = new TreeSet<>();
            tags.forEach(tag -> tagged.add(vocabulary.indexOf(tag.label())));
            TreeSet<Integer> oracle = new TreeSet<>();
            ClsSegGolden.run(run).get("label_ids").forEach(id -> oracle.add(id.asInt()));
            assertThat(tagged)
                    .as("%s: TagCLIP's tags are the oracle's labels", run)
                    .isEqualTo(oracle);

            LabelMapParity.Verdict verdict = LabelMapParity.judge(run, labelMap(tags, vocabulary, run));

            softly.assertThat(verdict.matches())
                    .as("%s: %s", run, verdict.summary())
                    .isTrue();
        }
        softly.assertAll();
    }

    private static String image(String run) {
        return run.substring(0, run.lastIndexOf('.'));
    }

    /** The label map the tags' masks make up: 0 background, 1 + class index where a tag's mask covers the pixel. */
    private static byte[] labelMap(List<Tag> tags, Vocabulary vocabulary, String run) {
        int height = ClsSegGolden.run(run).get("original_hw").get(0).asInt();
        int width = ClsSegGolden.run(run).get("original_hw").get(1).asInt();
        byte[] map = new byte[height * width];
        for (Tag tag : tags) {
            assertThat(tag.mask()).as("%s %s mask", run, tag.label()).isNotNull();
            assertThat(List.of(tag.mask().height(), tag.mask().width())).containsExactly(height, width);
            boolean[] pixels = CocoRle.decode(tag.mask().counts(), height, width);
            for (int i = 0; i < map.length; i++) {
                if (pixels[i]) {
                    if (map[i] != 0) {
                        throw new AssertionError(run + ": masks of one image overlap at pixel " + i);
                    }
                    map[i] = (byte) (vocabulary.indexOf(tag.label()) + 1);
                }
            }
        }
        return map;
    }
}
