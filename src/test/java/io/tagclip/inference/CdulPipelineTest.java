package io.tagclip.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tagclip.cdul.HeadManifest;
import io.tagclip.cdul.LinearHead;
import io.tagclip.cdul.TrainedHead;
import io.tagclip.clip.ClipModel;
import io.tagclip.golden.Golden;
import io.tagclip.golden.TinyModel;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.Method;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code cdul} as a pipeline on the golden fixture's tiny CLIP, with a head of known random weights. */
class CdulPipelineTest {

    private static ClipModel model;
    private static Vocabulary voc;

    @BeforeAll
    static void load() {
        model = TinyModel.shared();
        voc = Vocabularies.builtIn().get(Vocabularies.VOC2007);
    }

    private static TrainedHead head(String revision) {
        int dim = model.config().embedDim();
        Random random = new Random(3);
        float[] weight = new float[voc.numClasses() * dim];
        for (int i = 0; i < weight.length; i++) {
            weight[i] = (float) random.nextGaussian();
        }
        LinearHead head = new LinearHead(voc.numClasses(), dim, weight, new float[voc.numClasses()]);
        HeadManifest draft = manifest("", revision, dim);
        return new TrainedHead(head, manifest(TrainedHead.version(head, draft), revision, dim));
    }

    private static HeadManifest manifest(String version, String revision, int dim) {
        return new HeadManifest(
                HeadManifest.FORMAT,
                version,
                model.modelId(),
                revision,
                model.config().imageSize(),
                dim,
                voc.id(),
                voc.version(),
                voc.labels(),
                "cdul-global-local",
                7,
                1,
                42,
                Map.of(),
                Map.of());
    }

    @Test
    void tagsWithTheHeadAndCarriesItsVersion() {
        TrainedHead head = head(model.revision());
        PipelineSettings settings = PipelineSettings.reference(voc.id());
        try (TaggingPipeline pipeline = Pipelines.cdul(model, head, Vocabularies.builtIn(), settings)) {
            List<TagResult> results = pipeline.tag(List.of(
                    new ImageRequest("a", Golden.inputImage("camera_crop"), voc.id(), List.of()),
                    new ImageRequest("b", Golden.inputImage("chelsea_small"), voc.id(), List.of())));
            assertThat(results).allSatisfy(result -> {
                TagResult.Tagged tagged = (TagResult.Tagged) result;
                assertThat(tagged.provenance().method()).isEqualTo("cdul");
                assertThat(tagged.provenance().paramsVersion())
                        .startsWith("head=" + head.manifest().version() + ":");
                assertThat(tagged.scores()).hasSize(voc.numClasses());
                assertThat(tagged.scores().values())
                        .allSatisfy(s -> assertThat(s).isBetween(0f, 1f));
                assertThat(tagged.tags()).isNotEmpty();
            });
        }
    }

    @Test
    void refusesCdulWithoutAHeadAndAHeadOfAnotherModel() {
        PipelineSettings settings = PipelineSettings.reference(voc.id());
        assertThatThrownBy(() -> Pipelines.open(model, Method.CDUL, Vocabularies.builtIn(), settings))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("method cdul needs a trained head");
        assertThatThrownBy(() -> Pipelines.cdul(model, head("other"), Vocabularies.builtIn(), settings))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("was trained on " + model.modelId() + " @ other");
        assertThatThrownBy(() -> Pipelines.cdul(
                        model, head(model.revision()), Vocabularies.builtIn(), PipelineSettings.reference("coco2014")))
                .hasMessageContaining("trained on vocabulary voc2007");
    }
}
