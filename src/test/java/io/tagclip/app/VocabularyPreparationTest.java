package io.tagclip.app;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.Shape;
import io.tagclip.clip.ClipModel;
import io.tagclip.golden.TinyModel;
import io.tagclip.image.RgbImage;
import io.tagclip.inference.PipelineSettings;
import io.tagclip.inference.Pipelines;
import io.tagclip.pipeline.FailureKind;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.Method;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.vocab.TextTable;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The service embeds every configured vocabulary before it is ready, so that no flush ever embeds text: events may
 * name only configured vocabularies (others are dead letters) and a label subset reuses its vocabulary's features.
 */
class VocabularyPreparationTest {

    private static ClipModel model;

    @BeforeAll
    static void load() {
        model = TinyModel.shared();
    }

    /** Random rows of the model's width (the scores do not matter here), counting every call and name. */
    private static TextTable.NameEmbedder counting(AtomicInteger calls) {
        int width = model.config().embedDim();
        return (names, manager) -> {
            calls.incrementAndGet();
            SplittableRandom random = new SplittableRandom(names.size());
            float[] values = new float[names.size() * width];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) random.nextGaussian();
            }
            return manager.create(values, new Shape(names.size(), width)); // [M,E]
        };
    }

    private static RgbImage grey(int width, int height) {
        byte[] pixels = new byte[width * height * 3];
        Arrays.fill(pixels, (byte) 90);
        return new RgbImage(width, height, pixels);
    }

    @ParameterizedTest
    @EnumSource(
            value = Method.class,
            names = {"TAGCLIP", "CLIP_GLOBAL"}) // CDUL: one plain prompt per name
    void shouldNeverEmbedDuringAFlushOnceEveryConfiguredVocabularyIsPrepared(Method method, @TempDir Path dir)
            throws IOException {
        Path file = dir.resolve("pets.txt");
        Files.writeString(file, "cat\ndog\tprompt=dog;puppy\nbackground: sofa\n");
        Vocabularies.Resolved resolved = Vocabularies.builtIn().resolve(file.toString());
        AtomicInteger calls = new AtomicInteger();
        TextFeatureStatus status = new TextFeatureStatus();
        try (TaggingPipeline pipeline = Pipelines.open(
                model, counting(calls), method, resolved.all(), PipelineSettings.throughput(Vocabularies.COCO2014))) {
            PipelineProducer.embedAll(pipeline, resolved.all(), status);
            int prepared = calls.get();
            assertThat(prepared).isEqualTo(3);
            assertThat(status.describe()).isEqualTo("ready (3 vocabularies)");

            List<ImageRequest> flush = new ArrayList<>();
            flush.add(ImageRequest.of("default", grey(48, 64)));
            for (Vocabulary vocabulary : resolved.all().all()) {
                flush.add(new ImageRequest("all-" + vocabulary.id(), grey(64, 48), vocabulary.id(), List.of()));
                flush.add(new ImageRequest(
                        "subset-" + vocabulary.id(),
                        grey(32, 32),
                        vocabulary.id(),
                        List.of(vocabulary.classes().get(0).label())));
            }
            flush.add(new ImageRequest("unknown", grey(32, 32), "voc2012", List.of()));
            List<TagResult> results = pipeline.tag(flush);

            assertThat(calls).as("embeddings during the flush").hasValue(prepared);
            assertThat(results.subList(0, results.size() - 1)).allMatch(r -> r instanceof TagResult.Tagged);
            assertThat(results.get(results.size() - 1))
                    .isInstanceOfSatisfying(
                            TagResult.Failed.class,
                            failed -> assertThat(failed.kind()).isEqualTo(FailureKind.UNKNOWN_VOCABULARY));
        }
    }
}
