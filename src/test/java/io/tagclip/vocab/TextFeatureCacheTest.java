package io.tagclip.vocab;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextFeatureCacheTest {

    private static final int WIDTH = 16;
    private static final TextFeatureCache.Key KEY =
            new TextFeatureCache.Key("openai/clip-vit-base-patch16", "abc123", "FLOAT32", "templates v1");
    private static final List<String> NAMES = List.of("cat", "dog", "tv monitor");

    @TempDir
    Path dir;

    private NDManager manager;
    private final AtomicInteger embedded = new AtomicInteger();
    private final List<TextFeatureCache.Event> events = new ArrayList<>();

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    /** Deterministic rows per name, counting how often it is asked. */
    private final TextTable.NameEmbedder embedder = (names, m) -> {
        embedded.incrementAndGet();
        float[] values = new float[names.size() * WIDTH];
        for (int i = 0; i < names.size(); i++) {
            SplittableRandom random = new SplittableRandom(names.get(i).hashCode());
            for (int j = 0; j < WIDTH; j++) {
                values[i * WIDTH + j] = (float) random.nextGaussian();
            }
        }
        return m.create(values, new Shape(names.size(), WIDTH));
    };

    private TextFeatureCache cache(Path directory) {
        return new TextFeatureCache(directory, events::add);
    }

    private float[] embed(TextFeatureCache.Key key, List<String> names) {
        NDArray rows = cache(dir).cached(embedder, key).embed(names, manager);
        assertThat(rows.getShape()).isEqualTo(new Shape(names.size(), WIDTH));
        return rows.toFloatArray();
    }

    private List<TextFeatureCache.Outcome> outcomes() {
        return events.stream().map(TextFeatureCache.Event::outcome).toList();
    }

    @Test
    void shouldReadTheSecondBuildFromTheFileWithIdenticalFloats() {
        float[] first = embed(KEY, NAMES);
        float[] second = embed(KEY, NAMES);

        assertThat(second).containsExactly(first);
        assertThat(embedded).hasValue(1);
        assertThat(outcomes())
                .containsExactly(
                        TextFeatureCache.Outcome.MISS, TextFeatureCache.Outcome.STORED, TextFeatureCache.Outcome.HIT);
        assertThat(cache(dir).file(KEY, NAMES)).exists();
    }

    @Test
    void shouldRecomputeAndWarnWhenTheFileHasAFlippedByte() throws IOException {
        float[] first = embed(KEY, NAMES);
        Path file = cache(dir).file(KEY, NAMES);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 40] ^= 0x55; // inside the last float
        Files.write(file, bytes);
        events.clear();

        float[] again = embed(KEY, NAMES);

        assertThat(again).containsExactly(first);
        assertThat(embedded).hasValue(2);
        assertThat(outcomes()).containsExactly(TextFeatureCache.Outcome.REJECTED, TextFeatureCache.Outcome.STORED);
        assertThat(events.get(0).detail()).contains(file.toString(), "checksum");
        events.clear();
        assertThat(embed(KEY, NAMES)).containsExactly(first);
        assertThat(outcomes()).containsExactly(TextFeatureCache.Outcome.HIT);
    }

    @Test
    void shouldRecomputeAndWarnWhenTheFileIsTruncatedOrEmpty() throws IOException {
        float[] first = embed(KEY, NAMES);
        Path file = cache(dir).file(KEY, NAMES);
        byte[] bytes = Files.readAllBytes(file);
        for (int length : new int[] {bytes.length - 1, bytes.length / 2, 3, 0}) {
            Files.write(file, Arrays.copyOf(bytes, length));
            events.clear();

            assertThat(embed(KEY, NAMES)).containsExactly(first);
            assertThat(outcomes())
                    .as("length %d", length)
                    .containsExactly(TextFeatureCache.Outcome.REJECTED, TextFeatureCache.Outcome.STORED);
        }
    }

    @Test
    void shouldNotTrustAFileWrittenUnderAnotherKeyEvenWithAValidChecksum() throws IOException {
        embed(KEY, NAMES);
        TextFeatureCache.Key other = new TextFeatureCache.Key(KEY.modelId(), "def456", KEY.dtype(), KEY.embedder());
        Files.copy(cache(dir).file(KEY, NAMES), cache(dir).file(other, NAMES));
        events.clear();

        embed(other, NAMES);

        assertThat(outcomes()).containsExactly(TextFeatureCache.Outcome.REJECTED, TextFeatureCache.Outcome.STORED);
        assertThat(events.get(0).detail()).contains("another model");
    }

    @Test
    void shouldMissForAnotherRevisionDtypeEnsembleOrVocabularyNames() {
        embed(KEY, NAMES);
        List<TextFeatureCache.Key> others = List.of(
                new TextFeatureCache.Key(KEY.modelId(), "def456", KEY.dtype(), KEY.embedder()),
                new TextFeatureCache.Key(KEY.modelId(), KEY.modelRevision(), "FLOAT16", KEY.embedder()),
                new TextFeatureCache.Key(KEY.modelId(), KEY.modelRevision(), KEY.dtype(), "templates v2"),
                new TextFeatureCache.Key("other/model", KEY.modelRevision(), KEY.dtype(), KEY.embedder()));
        for (TextFeatureCache.Key other : others) {
            events.clear();
            embed(other, NAMES);
            assertThat(outcomes())
                    .as("%s", other)
                    .containsExactly(TextFeatureCache.Outcome.MISS, TextFeatureCache.Outcome.STORED);
        }
        events.clear();
        embed(KEY, List.of("cat", "dog", "television")); // a vocabulary version with another prompt name
        assertThat(outcomes()).containsExactly(TextFeatureCache.Outcome.MISS, TextFeatureCache.Outcome.STORED);
        assertThat(embedded).hasValue(others.size() + 2);
    }

    @Test
    void shouldReuseFeaturesWhenOnlyAThresholdOfTheVocabularyChanges() {
        Vocabulary plain = new Vocabulary(
                "pets", List.of(Vocabulary.LabelClass.of("cat"), Vocabulary.LabelClass.of("dog")), List.of("sky"));
        Vocabulary stricter = new Vocabulary(
                "pets",
                List.of(new Vocabulary.LabelClass("cat", List.of("cat"), 0.4f), Vocabulary.LabelClass.of("dog")),
                List.of("sky"));
        assertThat(stricter.version()).isNotEqualTo(plain.version());
        TextTable.NameEmbedder cached = cache(dir).cached(embedder, KEY);

        float[] first = TextTable.build(plain, cached, manager).toFloatArray();
        float[] second = TextTable.build(stricter, cached, manager).toFloatArray();

        assertThat(second).containsExactly(first);
        assertThat(embedded).hasValue(1);
    }

    @Test
    void shouldReturnTheRowsAndReportWhenTheDirectoryCannotBeWritten() throws IOException {
        Path blocked = dir.resolve("not-a-directory");
        Files.writeString(blocked, "a file where the cache directory should be");

        NDArray rows = cache(blocked).cached(embedder, KEY).embed(NAMES, manager);

        assertThat(rows.getShape()).isEqualTo(new Shape(NAMES.size(), WIDTH));
        assertThat(outcomes()).containsExactly(TextFeatureCache.Outcome.MISS, TextFeatureCache.Outcome.STORE_FAILED);
        assertThat(events.get(1).detail()).isNotBlank();
    }

    @Test
    void shouldLeaveNoTemporaryFilesBehind() throws IOException {
        embed(KEY, NAMES);
        embed(KEY, List.of("bird"));
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .hasSize(2)
                    .allMatch(name -> name.endsWith(TextFeatureCache.SUFFIX));
        }
    }
}
