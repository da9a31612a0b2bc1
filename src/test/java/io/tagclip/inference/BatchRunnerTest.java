package io.tagclip.inference;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.tagclip.image.RgbImage;
import io.tagclip.pipeline.Box;
import io.tagclip.pipeline.FailureKind;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.Method;
import io.tagclip.pipeline.TagResult;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BatchRunnerTest {

    /**
     * Scores every image by its width, in one shared step for the whole call; the step throws when any of its
     * images has an id starting with "bad".
     */
    private static final class WidthScoring implements BatchRunner.Scoring<String, WidthScoring.State> {

        static final class State {
            final String id;
            final int width;
            float[] scores;

            State(String id, int width) {
                this.id = id;
                this.width = width;
            }
        }

        final List<List<String>> steps = new ArrayList<>();
        final AtomicInteger textSides = new AtomicInteger();

        @Override
        public Method method() {
            return Method.CLIP_GLOBAL;
        }

        @Override
        public String paramsVersion() {
            return "p1";
        }

        @Override
        public String textSide(Vocabulary vocabulary, NDManager manager) {
            textSides.incrementAndGet();
            return vocabulary.id();
        }

        @Override
        public State prepare(ImageRequest request, Vocabulary vocabulary, String text) {
            if (request.image().width() == 1) {
                throw new IllegalArgumentException("image too small: 1 pixel wide");
            }
            return new State(request.id(), request.image().width());
        }

        @Override
        public void score(List<BatchRunner.Job<State>> jobs, BatchRunner.Forwards<State> forwards) {
            forwards.together(jobs, (states, scope) -> {
                steps.add(states.stream().map(s -> s.id).toList());
                for (State state : states) {
                    if (state.id.startsWith("bad")) {
                        throw new IllegalStateException("simulated forward failure on " + state.id);
                    }
                    float[] scores = new float[20];
                    scores[state.width % 20] = 1f;
                    state.scores = scores;
                }
            });
        }

        @Override
        public float[] scores(State state) {
            return state.scores;
        }

        @Override
        public Box box(State state, int c) {
            return null;
        }
    }

    private static BatchRunner<String, WidthScoring.State> runner(WidthScoring scoring) {
        return new BatchRunner<>(
                scoring,
                "model",
                "r1",
                Vocabularies.builtIn(),
                PipelineSettings.reference(Vocabularies.VOC2007),
                NDManager.newBaseManager());
    }

    private static ImageRequest request(String id, int width) {
        return ImageRequest.of(id, new RgbImage(width, 2, new byte[width * 2 * 3]));
    }

    @Test
    void shouldRetryAFailedSharedStepImageByImageSoOnlyTheGuiltyImageFails() {
        WidthScoring scoring = new WidthScoring();
        try (BatchRunner<String, WidthScoring.State> runner = runner(scoring)) {

            List<TagResult> results = runner.tag(List.of(request("a", 3), request("bad-b", 4), request("c", 5)));

            assertThat(results).extracting(TagResult::id).containsExactly("a", "bad-b", "c");
            assertThat(((TagResult.Tagged) results.get(0)).tags())
                    .extracting(t -> t.label())
                    .containsExactly(Vocabularies.builtIn()
                            .get("voc2007")
                            .classes()
                            .get(3)
                            .label());
            assertThat(results.get(2)).isInstanceOf(TagResult.Tagged.class);
            TagResult.Failed failed = (TagResult.Failed) results.get(1);
            assertThat(failed.kind()).isEqualTo(FailureKind.INFERENCE_FAILED);
            assertThat(failed.message()).contains("bad-b", "4x2", "simulated forward failure");
            assertThat(failed.attempts()).isEqualTo(2);
            assertThat(scoring.steps)
                    .containsExactly(List.of("a", "bad-b", "c"), List.of("a"), List.of("bad-b"), List.of("c"));
        }
    }

    @Test
    void shouldGiveEveryImageTheSameResultWhateverItsBatchMates() {
        WidthScoring scoring = new WidthScoring();
        try (BatchRunner<String, WidthScoring.State> runner = runner(scoring)) {

            TagResult alone = runner.tag(List.of(request("a", 3))).get(0);
            TagResult withFailingMate =
                    runner.tag(List.of(request("bad", 4), request("a", 3))).get(1);

            assertThat(withFailingMate)
                    .isEqualTo(new TagResult.Tagged(
                            "a",
                            ((TagResult.Tagged) alone).tags(),
                            ((TagResult.Tagged) alone).scores(),
                            ((TagResult.Tagged) alone).provenance(),
                            ((TagResult.Tagged) withFailingMate).inferenceMillis()));
        }
    }

    @Test
    void shouldFailAnImageAloneAtOneAttemptWhenItsPreparationOrItsOwnStepFails() {
        WidthScoring scoring = new WidthScoring();
        try (BatchRunner<String, WidthScoring.State> runner = runner(scoring)) {

            List<TagResult> results = runner.tag(List.of(
                    request("thin", 1),
                    request("bad", 4),
                    new ImageRequest("lost", new RgbImage(2, 2, new byte[12]), "nope", List.of())));

            TagResult.Failed thin = (TagResult.Failed) results.get(0);
            assertThat(thin.message()).contains("thin", "1 pixel wide");
            assertThat(thin.attempts()).isEqualTo(1);
            TagResult.Failed bad = (TagResult.Failed) results.get(1);
            assertThat(bad.attempts()).as("alone in its step: no retry").isEqualTo(1);
            assertThat(((TagResult.Failed) results.get(2)).kind()).isEqualTo(FailureKind.UNKNOWN_VOCABULARY);
            assertThat(scoring.steps).containsExactly(List.of("bad"));
        }
    }

    @Test
    void shouldBuildAVocabularysTextSideOnceAndCarryTheMethodsProvenance() {
        WidthScoring scoring = new WidthScoring();
        try (BatchRunner<String, WidthScoring.State> runner = runner(scoring)) {

            runner.warmUp();
            TagResult.Tagged tagged =
                    (TagResult.Tagged) runner.tag(List.of(request("a", 3))).get(0);

            assertThat(scoring.textSides).hasValue(1);
            Vocabulary voc = Vocabularies.builtIn().get("voc2007");
            assertThat(tagged.provenance())
                    .isEqualTo(new TagResult.Provenance("clip-global", "model", "r1", voc.id(), voc.version(), "p1"));
        }
    }
}
