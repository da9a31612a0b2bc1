package io.tagclip.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tagclip.cdul.HeadManifest;
import io.tagclip.cdul.HeadSelection;
import io.tagclip.cdul.LinearHead;
import io.tagclip.cdul.TrainedHead;
import io.tagclip.cdul.TrainingOptions;
import io.tagclip.clip.ClipModel;
import io.tagclip.golden.Golden;
import io.tagclip.golden.TinyModel;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.Method;
import io.tagclip.pipeline.OnlineSample;
import io.tagclip.pipeline.TagResult;
import io.tagclip.vocab.TextTable;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Online CDUL on the golden fixture's tiny CLIP with TagCLIP as the teacher. */
class OnlineCdulPipelineTest {

    private static final List<String> IMAGES = List.of("camera_crop", "chelsea_small", "astronaut_224", "coffee");
    /** Everything recorded, empty band: the head answers every image of its vocabulary. */
    private static final OnlineSettings RECORD_ALL = new OnlineSettings(Method.TAGCLIP, 1.0, 0.5f, 0.5f);

    private static ClipModel model;
    private static Vocabulary voc;
    private static TextTable.NameEmbedder ensemble;
    private static PipelineSettings settings;

    @BeforeAll
    static void load() {
        model = TinyModel.shared();
        voc = Vocabularies.builtIn().get(Vocabularies.VOC2007);
        ensemble = Pipelines.promptEnsemble(model);
        settings = PipelineSettings.throughput(voc.id());
    }

    private static OnlineCdulPipeline pipeline(OnlineSettings online, TrainedHead initial) {
        return Pipelines.online(model, ensemble, Vocabularies.builtIn(), settings, online, initial);
    }

    private static List<ImageRequest> requests(String prefix) {
        List<ImageRequest> requests = new ArrayList<>();
        for (String image : IMAGES) {
            requests.add(new ImageRequest(prefix + image, Golden.inputImage(image), null, List.of()));
        }
        return requests;
    }

    /** A head of Gaussian weights (std 1 on unit features: logits of order 1, unrelated to the teacher). */
    static TrainedHead randomHead(long seed) {
        int dim = model.config().embedDim();
        Random random = new Random(seed);
        float[] weight = new float[voc.numClasses() * dim];
        for (int i = 0; i < weight.length; i++) {
            weight[i] = (float) random.nextGaussian();
        }
        LinearHead head = new LinearHead(voc.numClasses(), dim, weight, new float[voc.numClasses()]);
        HeadManifest draft = manifest("", dim);
        return new TrainedHead(head, manifest(TrainedHead.version(head, draft), dim));
    }

    private static HeadManifest manifest(String version, int dim) {
        return new HeadManifest(
                HeadManifest.FORMAT,
                version,
                model.modelId(),
                model.revision(),
                model.config().imageSize(),
                dim,
                voc.id(),
                voc.version(),
                voc.labels(),
                "random",
                0,
                0,
                0,
                Map.of(),
                Map.of());
    }

    private static TagResult.Tagged tagged(TagResult result) {
        assertThat(result).isInstanceOf(TagResult.Tagged.class);
        return (TagResult.Tagged) result;
    }

    @Test
    void answersWithTheTeacherUntilAHeadIsInstalledAndRecordsTheTeachersScores() {
        TrainedHead head = randomHead(3);
        try (OnlineCdulPipeline online = pipeline(RECORD_ALL, null)) {
            List<TagResult> cold = online.tag(requests("cold-"));
            online.install(head);
            List<TagResult> warm = online.tag(requests("warm-"));

            for (int i = 0; i < IMAGES.size(); i++) {
                TagResult.Tagged teacher = tagged(cold.get(i));
                assertThat(teacher.provenance().method()).isEqualTo("tagclip");
                OnlineSample sample = teacher.sample();
                assertThat(sample).as("sample rate 1 records every image").isNotNull();
                float[] scores = sample.scores();
                for (int c = 0; c < voc.numClasses(); c++) {
                    assertThat(scores[c])
                            .isEqualTo(teacher.scores().get(voc.labels().get(c)));
                }
                float[] features = sample.features();
                assertThat(features).hasSize(model.config().embedDim());
                double norm = 0;
                for (float f : features) {
                    norm += f * f;
                }
                assertThat(Math.sqrt(norm)).isCloseTo(1.0, within(1e-5)); // float32 normalisation
                assertThat(sample.modelRevision()).isEqualTo(model.revision());
                assertThat(sample.vocabularyVersion()).isEqualTo(voc.version());

                TagResult.Tagged byHead = tagged(warm.get(i));
                assertThat(byHead.provenance().method()).isEqualTo("cdul");
                assertThat(byHead.provenance().paramsVersion())
                        .startsWith("head=" + head.manifest().version() + ":");
                assertThat(byHead.sample())
                        .as("the teacher still labels the sampled image")
                        .isNotNull();
                assertThat(byHead.sample().scores())
                        .as("the same image gets the same teacher scores whoever answers")
                        .containsExactly(scores);
                assertThat(byHead.sample().features()).containsExactly(features);
            }
        }
    }

    @Test
    void routesOtherVocabulariesAndUnsureImagesToTheTeacherAndSamplesOnlyAtItsRate() {
        TrainedHead head = randomHead(4);
        OnlineSettings wholeBand = new OnlineSettings(Method.TAGCLIP, 0.0, 0f, 1f);
        try (OnlineCdulPipeline online = pipeline(wholeBand, head)) {
            List<ImageRequest> requests = new ArrayList<>(requests("band-"));
            requests.add(new ImageRequest("coco", Golden.inputImage("coffee"), Vocabularies.COCO2014, List.of()));
            List<TagResult> results = online.tag(requests);

            assertThat(results).hasSize(requests.size());
            for (int i = 0; i < results.size(); i++) {
                TagResult.Tagged t = tagged(results.get(i));
                assertThat(t.id()).isEqualTo(requests.get(i).id());
                assertThat(t.provenance().method())
                        .as("every head score lies inside (0,1): all unsure, so the teacher answers")
                        .isEqualTo("tagclip");
                assertThat(t.sample()).as("sample rate 0").isNull();
            }
            assertThat(tagged(results.get(results.size() - 1)).provenance().vocabularyId())
                    .isEqualTo(Vocabularies.COCO2014);
        }
    }

    @Test
    void installsARetrainedHeadOnlyWhenItBeatsTheCurrentOneAndSwitchesAtTheNextCall() {
        TrainedHead random = randomHead(5);
        Map<String, OnlineSample> window = new LinkedHashMap<>();
        try (OnlineCdulPipeline online = pipeline(RECORD_ALL, random)) {
            List<TagResult> results = online.tag(requests("seed-"));
            // the same four images under 15 ids each: 60 samples, about 12 of them in the acceptance split
            for (int copy = 0; copy < 15; copy++) {
                for (TagResult r : results) {
                    window.put(copy + "-" + r.id(), tagged(r).sample());
                }
            }
            TrainingOptions options = TrainingOptions.DEFAULTS.withMaxEpochs(60);
            HeadSelection selection = new HeadSelection(options, 0.2, 0);

            OnlineCdulPipeline.Retrain first = online.retrain(window, options, selection);

            assertThat(first.usable()).isEqualTo(60);
            assertThat(first.decision().accepted())
                    .as(
                            "candidate KL %s vs random head %s",
                            first.decision().candidateLoss(), first.decision().incumbentLoss())
                    .isTrue();
            TrainedHead installed = online.head().orElseThrow();
            assertThat(installed.manifest().version())
                    .isEqualTo(first.head().manifest().version());
            assertThat(installed.manifest().teacher()).isEqualTo("tagclip");
            assertThat(installed.manifest().metrics()).containsKeys("acceptanceKl", "replacedKl");
            assertThat(tagged(online.tag(requests("after-")).get(0))
                            .provenance()
                            .paramsVersion())
                    .startsWith("head=" + installed.manifest().version() + ":");

            OnlineCdulPipeline.Retrain again = online.retrain(window, options, selection);

            assertThat(again.decision().accepted())
                    .as("the same head again is no better")
                    .isFalse();
            assertThat(again.head()).isNull();
            assertThat(online.head().orElseThrow().manifest().version())
                    .isEqualTo(installed.manifest().version());
        }
    }
}
