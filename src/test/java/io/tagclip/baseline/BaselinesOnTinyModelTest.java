package io.tagclip.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.PromptEnsemble;
import io.tagclip.golden.Golden;
import io.tagclip.golden.TinyModel;
import io.tagclip.image.RgbImage;
import io.tagclip.preprocess.ClipTransform;
import io.tagclip.vocab.TextTable;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Both baselines on the fixture's tiny CLIP (random weights, exact ViT-B/16 layout). */
class BaselinesOnTinyModelTest {

    private static ClipModel model;
    private NDManager manager;

    @BeforeAll
    static void loadModel() {
        model = TinyModel.shared();
    }

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void clipGlobalShouldReproduceTheReferencePlainForwardOnChelsea() {
        JsonNode plain = Golden.expected("clip_plain.json");
        List<String> prompts = new ArrayList<>();
        plain.get("text").get("prompts").forEach(p -> prompts.add(p.asText()));
        float[] logits = Golden.floats(plain.get("logits_per_image"));
        NDArray text = ZeroShot.normaliseRows(model.encodeTexts(prompts, manager)); // [3,E]
        ClipGlobalScorer scorer = new ClipGlobalScorer(model::encodeImage, text, model.logitScale());

        float[] scores =
                scorer.score(List.of(Golden.inputImage("chelsea")), manager).toFloatArray();

        double z = 0;
        for (float logit : logits) {
            z += Math.exp(logit - logits[0]);
        }
        for (int k = 0; k < logits.length; k++) {
            assertThat(scores[k])
                    .as("prompt %d", k)
                    .isCloseTo((float) (Math.exp(logits[k] - logits[0]) / z), within(1e-5f));
        }
    }

    @Test
    void clipGlobalWithThePromptEnsembleShouldMatchScoresBuiltFromReferenceEmbeddings() {
        ClipGlobalScorer scorer = ClipGlobalScorer.forVocabulary(
                voc(),
                model::encodeImage,
                (names, m) -> PromptEnsemble.embed(model, names, m),
                model.logitScale(),
                manager);

        float[] scores =
                scorer.score(List.of(Golden.inputImage("chelsea")), manager).toFloatArray();

        // softmax over the 20 VOC classes of τ·f·Tᵀ with the reference's image embedding and ensemble features
        float[] image = Golden.floats(Golden.expected("clip_plain.json").get("image_embedding_normalized"));
        JsonNode text = Golden.expected("text_voc2007.json").get("text_features_used");
        double[] logits = new double[20];
        double z = 0;
        for (int k = 0; k < 20; k++) {
            for (int e = 0; e < image.length; e++) {
                logits[k] += model.logitScale() * image[e] * text.get(k).get(e).asDouble();
            }
        }
        for (int k = 0; k < 20; k++) {
            z += Math.exp(logits[k] - logits[0]);
        }
        for (int k = 0; k < 20; k++) {
            assertThat(scores[k])
                    .as("class %d", k)
                    .isCloseTo((float) (Math.exp(logits[k] - logits[0]) / z), within(1e-5f));
        }
    }

    @Test
    void clipGlobalShouldGiveEachImageADistributionOverTheDatasetClassesIndependentOfItsBatch() {
        ClipGlobalScorer scorer = ClipGlobalScorer.forVocabulary(
                voc(), model::encodeImage, singleTemplate(), model.logitScale(), manager);
        RgbImage camera = Golden.inputImage("camera");

        float[] pair = scorer.score(List.of(Golden.inputImage("coffee"), camera), manager)
                .toFloatArray();
        float[] alone = scorer.score(List.of(camera), manager).toFloatArray();

        int c = scorer.numClasses();
        assertThat(c).isEqualTo(20);
        assertThat(pair).hasSize(2 * c);
        for (int i = 0; i < 2; i++) {
            double sum = 0;
            for (int k = 0; k < c; k++) {
                assertThat(pair[i * c + k]).isBetween(0f, 1f);
                sum += pair[i * c + k];
            }
            assertThat(sum).isCloseTo(1.0, within(1e-5));
        }
        for (int k = 0; k < c; k++) {
            assertThat(pair[c + k]).isCloseTo(alone[k], within(1e-6f));
        }
    }

    @Test
    void cdulInABatchShouldEqualHalfOfGlobalPlusBestSnippetFromOneForwardPerView() {
        CdulGlobalLocalScorer scorer = cdul(CdulParams.DEFAULTS);
        RgbImage coffee = Golden.inputImage("coffee");

        float[] pair = scorer.score(List.of(Golden.inputImage("astronaut"), coffee), manager)
                .toFloatArray();

        List<RgbImage> views = CdulGlobalLocalScorer.views(coffee, CdulParams.DEFAULTS);
        NDArray text = ZeroShot.singleTemplateFeatures(
                model::encodeTexts, voc().labels(), CdulParams.DEFAULT_TEMPLATE, manager);
        float[][] probs = new float[views.size()][];
        for (int v = 0; v < views.size(); v++) {
            NDArray input = manager.create(ClipTransform.normalize(views.get(v)), new Shape(1, 3, 224, 224));
            probs[v] = ZeroShot.probabilities(model.encodeImage(input), text, model.logitScale())
                    .toFloatArray();
        }
        int c = scorer.numClasses();
        assertThat(pair).hasSize(2 * c);
        for (int k = 0; k < c; k++) {
            float best = 0;
            for (int v = 1; v < views.size(); v++) {
                best = Math.max(best, probs[v][k]);
            }
            assertThat(pair[c + k])
                    .as("class %d", k)
                    .isBetween(0f, 1f)
                    .isCloseTo((probs[0][k] + best) / 2, within(1e-6f));
        }
    }

    private CdulGlobalLocalScorer cdul(CdulParams params) {
        return CdulGlobalLocalScorer.forVocabulary(
                voc(), model::encodeImage, model::encodeTexts, singleTemplate(), model.logitScale(), params, manager);
    }

    private static Vocabulary voc() {
        return Vocabularies.builtIn().get(Vocabularies.VOC2007);
    }

    /** One plain prompt per name: these checks hold for any text side, and it keeps them fast. */
    private static TextTable.NameEmbedder singleTemplate() {
        return (names, m) -> ZeroShot.singleTemplateFeatures(model::encodeTexts, names, "a photo of a {}.", m);
    }
}
