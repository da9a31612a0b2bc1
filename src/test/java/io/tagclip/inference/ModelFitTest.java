package io.tagclip.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tagclip.baseline.ClipGlobalScorer;
import io.tagclip.clip.ClipConfig;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.ClipOptions;
import io.tagclip.clip.RandomClip;
import io.tagclip.golden.Golden;
import io.tagclip.image.RgbImage;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.Method;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.tagging.DecisionOptions;
import io.tagclip.tagging.TagClipParams;
import io.tagclip.vocab.TextTable;
import io.tagclip.vocab.Vocabularies;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Method against model when a pipeline opens, on random models with the real patch size, image size and layer count
 * of ViT-B/32 and ViT-L/14-336 (narrow widths keep them cheap): TagCLIP refuses them with the mismatch named; the
 * baselines run at the model's own image size.
 */
class ModelFitTest {

    private static final int WIDTH = 64;
    private static final int EMBED = 32;
    private static final int SMALL_VOCAB = 1000;

    /** ViT-B/32's layout: patch 32, 12 layers, 224 px. */
    private static final ClipConfig B32 = config(32, 12, 224);

    /** ViT-L/14-336's layout: patch 14, 24 layers, 336 px. */
    private static final ClipConfig L14_336 = config(14, 24, 336);

    /** ViT-B/32's layout with CLIP's full vocabulary, for a text tower that encodes prompts. */
    private static final ClipConfig B32_WITH_TEXT = config(32, 12, 224, 49408);

    private static ClipConfig config(int patch, int layers, int imageSize) {
        return config(patch, layers, imageSize, SMALL_VOCAB);
    }

    private static ClipConfig config(int patch, int layers, int imageSize, int vocab) {
        return new ClipConfig(
                WIDTH,
                layers,
                1,
                4 * WIDTH,
                patch,
                imageSize,
                1e-5f,
                ClipConfig.Activation.QUICK_GELU,
                WIDTH,
                2,
                1,
                4 * WIDTH,
                77,
                vocab,
                1e-5f,
                ClipConfig.Activation.QUICK_GELU,
                EMBED);
    }

    /** Random unit text features per class name (the models have no tokenizer; the baselines only need a table). */
    private static final TextTable.NameEmbedder TEXT = (names, manager) -> {
        float[] values = new float[names.size() * EMBED];
        for (int i = 0; i < names.size(); i++) {
            SplittableRandom random = new SplittableRandom(names.get(i).hashCode());
            double norm = 0;
            for (int d = 0; d < EMBED; d++) {
                values[i * EMBED + d] = (float) random.nextGaussian();
                norm += values[i * EMBED + d] * values[i * EMBED + d];
            }
            for (int d = 0; d < EMBED; d++) {
                values[i * EMBED + d] /= (float) Math.sqrt(norm);
            }
        }
        return manager.create(values, new Shape(names.size(), EMBED)); // [K,E]
    };

    @Test
    void shouldRefuseTagClipOnAVitB32NamingThePatch() {
        try (ClipModel model = RandomClip.randomWeights(B32, 1, ClipOptions.cpu())) {
            assertThatThrownBy(() -> open(model, Method.TAGCLIP, PipelineSettings.reference("voc2007")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("method tagclip cannot run on model random-1")
                    .hasMessageContaining("patch 16 but the model's patch is 32")
                    .hasMessageContaining("clip-global");
        }
    }

    @Test
    void shouldRefuseTagClipOnAVitL14At336NamingEveryMismatch() {
        try (ClipModel model = RandomClip.randomWeights(L14_336, 2, ClipOptions.cpu())) {
            assertThatThrownBy(() -> open(model, Method.TAGCLIP, PipelineSettings.throughput("voc2007")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("model's patch is 14")
                    .hasMessageContaining("CWR crops are 224 px but the model's image size is 336 px")
                    .hasMessageContaining("the model has 24 vision layers");

            TagClipParams fitted = withLayers(14, 336, 4, 20, 1);
            open(model, Method.TAGCLIP, settings(fitted)).close();
            assertThatThrownBy(() -> open(model, Method.TAGCLIP, settings(withLayers(14, 336, 30, 20, 1))))
                    .hasMessageContaining("the vote needs 30 layers but the model has 24");
        }
    }

    @Test
    void shouldRunClipGlobalAtTheModelsOwnImageSize() {
        RgbImage image = Golden.inputImage("chelsea");
        try (ClipModel model = RandomClip.randomWeights(L14_336, 3, ClipOptions.cpu());
                NDManager manager = NDManager.newBaseManager();
                TaggingPipeline pipeline = open(model, Method.CLIP_GLOBAL, PipelineSettings.reference("voc2007"))) {
            TagResult.Tagged tagged = (TagResult.Tagged)
                    pipeline.tag(List.of(ImageRequest.of("chelsea", image))).get(0);
            float[] scores = new float[tagged.scores().size()];
            int i = 0;
            for (float score : tagged.scores().values()) {
                scores[i++] = score;
            }

            float[] at336 = scores(model, image, 336, manager);
            float[] at224 = scores(model, image, 224, manager);
            assertThat(scores).containsExactly(at336);
            assertThat(scores).isNotEqualTo(at224);
        }
    }

    @Test
    void shouldRunCdulAtTheModelsOwnImageSize() {
        try (ClipModel model = RandomClip.randomWeightsWithTokenizer(B32_WITH_TEXT, 4, ClipOptions.cpu());
                TaggingPipeline pipeline =
                        open(model, Method.CDUL_GLOBAL_LOCAL, PipelineSettings.reference("voc2007"))) {
            TagResult result = pipeline.tag(List.of(ImageRequest.of("coffee", Golden.inputImage("coffee"))))
                    .get(0);
            assertThat(result).isInstanceOf(TagResult.Tagged.class);
            assertThat(((TagResult.Tagged) result).scores()).hasSize(20);
        }
    }

    private static float[] scores(ClipModel model, RgbImage image, int size, NDManager manager) {
        ClipGlobalScorer scorer = ClipGlobalScorer.forVocabulary(
                Vocabularies.builtIn().get("voc2007"), model::encodeImage, TEXT, model.logitScale(), size, manager);
        NDArray scores = scorer.score(List.of(image), manager); // [1,C]
        return scores.toFloatArray();
    }

    private static TaggingPipeline open(ClipModel model, Method method, PipelineSettings settings) {
        return Pipelines.open(model, TEXT, method, Vocabularies.builtIn(), settings);
    }

    private static PipelineSettings settings(TagClipParams params) {
        PipelineSettings r = PipelineSettings.reference("voc2007");
        return new PipelineSettings(
                r.defaultVocabulary(), params, DecisionOptions.REFERENCE, r.boxes(), r.mode(), r.batching());
    }

    private static TagClipParams withLayers(int patch, int cwr, int vote, int from, int drop) {
        TagClipParams r = TagClipParams.REFERENCE;
        return new TagClipParams(
                patch,
                cwr,
                vote,
                from,
                drop,
                r.lastLayerSelfMask(),
                r.classRowMask(),
                r.boxQuantisation(),
                r.candidateThreshold(),
                r.cwrMaskThreshold(),
                r.fusionWeight(),
                r.tagRelativeThreshold(),
                r.atLeastOneTag());
    }
}
