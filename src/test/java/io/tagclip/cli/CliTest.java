package io.tagclip.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tagclip.clip.ClipLoader;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.ClipOptions;
import io.tagclip.clip.ModelSource;
import io.tagclip.clip.TextProgress;
import io.tagclip.eval.SegmentationMetrics;
import io.tagclip.golden.ClsSegGolden;
import io.tagclip.golden.Golden;
import io.tagclip.inference.Pipelines;
import io.tagclip.report.EvaluationPage;
import io.tagclip.report.OverlayRenderer;
import io.tagclip.segment.CocoRle;
import io.tagclip.vocab.TextTable;
import io.tagclip.vocab.Vocabularies;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * The {@code tag} and {@code eval} commands in-process on the golden fixture's tiny CLIP. The model and the text
 * features of each name list are loaded once for the class (through the commands' model-loader seam), so each
 * command pays only for its images.
 */
class CliTest {

    /** Scores printed by the command against the reference's {@code final_scores}; the fixture's README allows 1e-5. */
    private static final double SCORES = 1e-5;

    /** Small golden images: the 224 path, an upscaled one, and CWR's early return. */
    private static final List<String> SMALL_IMAGES = List.of("chelsea_small", "camera_crop", "astronaut_224");

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path modelDir;
    private static Path imageDir;
    private static ClipModel model;
    private static NDManager textCache;

    @TempDir
    static Path textCacheDir;

    private static final Map<String, NDArray> EMBEDDINGS = new ConcurrentHashMap<>();

    @BeforeAll
    static void loadModel() {
        modelDir = Golden.modelDir();
        imageDir = modelDir.resolveSibling("images");
        model = ClipLoader.load(modelDir, ClipOptions.cpu());
        textCache = model.manager().newSubManager();
    }

    @AfterAll
    static void closeModel() {
        textCache.close();
        model.close();
    }

    /** The fixture's model, shared, with prompt-ensemble embeddings remembered per name; others load afresh. */
    private static ModelOptions.Loaded load(ModelSource source, TextProgress progress) {
        if (!source.folder()
                .toAbsolutePath()
                .normalize()
                .equals(modelDir.toAbsolutePath().normalize())) {
            return ModelOptions.FRESH.load(source, progress);
        }
        TextTable.NameEmbedder ensemble = Pipelines.promptEnsemble(model);
        TextTable.NameEmbedder remembered = (names, manager) -> {
            synchronized (EMBEDDINGS) {
                List<String> missing = names.stream()
                        .filter(n -> !EMBEDDINGS.containsKey(n))
                        .distinct()
                        .toList();
                if (!missing.isEmpty()) {
                    NDArray rows = ensemble.embed(missing, textCache); // [m,E]
                    for (int i = 0; i < missing.size(); i++) {
                        EMBEDDINGS.put(missing.get(i), rows.get(i)); // [E]
                    }
                }
                NDList rows = new NDList();
                names.forEach(name -> rows.add(EMBEDDINGS.get(name)));
                NDArray table = NDArrays.stack(rows); // M x [E] -> [M,E]
                table.attach(manager);
                return table;
            }
        };
        return new ModelOptions.Loaded(model, remembered, false);
    }

    private record Run(int code, String out, String err) {
        List<JsonNode> jsonLines() throws IOException {
            List<JsonNode> lines = new ArrayList<>();
            for (String line : out.split("\n")) {
                if (!line.isBlank()) {
                    lines.add(JSON.readTree(line));
                }
            }
            return lines;
        }
    }

    private static Run run(String... args) {
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                return type == ModelOptions.class
                        ? type.cast(new ModelOptions(CliTest::load, textCacheDir))
                        : CommandLine.defaultFactory().create(type);
            }
        };
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine(factory);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static String image(String name) {
        return imageDir.resolve(name + ".png").toString();
    }

    @Test
    void shouldReadTextFeaturesFromTheCacheOnTheSecondRunAndRecomputeACorruptedOne(@TempDir Path cache)
            throws IOException {
        String[] args = {
            "tag",
            "--model",
            modelDir.toString(),
            "--vocab",
            "voc2007",
            "--text-cache-dir",
            cache.toString(),
            image("chelsea_small")
        };

        Run first = run(args);
        Run second = run(args);

        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.err()).contains("tagclip: computing text features of 45 names", cache.toString());
        assertThat(second.code()).as(second.err()).isZero();
        assertThat(second.err()).doesNotContain("text features");
        assertThat(second.out()).isEqualTo(first.out());
        Path file;
        try (var files = Files.list(cache)) {
            file = files.collect(Collectors.toList()).get(0);
        }
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(file, bytes);

        Run corrupted = run(args);

        assertThat(corrupted.code()).as(corrupted.err()).isZero();
        assertThat(corrupted.err())
                .contains(
                        "tagclip: warning: not using cached text features",
                        file.toString(),
                        "checksum",
                        "computing them again");
        assertThat(corrupted.out()).isEqualTo(first.out());
        assertThat(run(args).err()).doesNotContain("text features");
    }

    @Test
    void shouldReproduceGoldenScoresAndTagsInReferenceMode() throws IOException {
        List<String> args = new ArrayList<>(
                List.of("tag", "--model", modelDir.toString(), "--vocab", "voc2007", "--mode", "reference", "--boxes"));
        SMALL_IMAGES.forEach(name -> args.add(image(name)));

        Run run = run(args.toArray(String[]::new));

        assertThat(run.code()).as(run.err()).isZero();
        List<JsonNode> lines = run.jsonLines();
        assertThat(lines).hasSize(SMALL_IMAGES.size());
        for (int i = 0; i < lines.size(); i++) {
            String name = SMALL_IMAGES.get(i);
            JsonNode line = lines.get(i);
            JsonNode expected = Golden.expected(name, "voc2007");
            assertThat(line.get("image").asText()).isEqualTo(image(name));

            List<String> labels = new ArrayList<>();
            line.get("scores").fieldNames().forEachRemaining(labels::add);
            List<String> classes = new ArrayList<>();
            expected.get("classes").forEach(c -> classes.add(c.asText()));
            assertThat(labels)
                    .as("scores in vocabulary order, background excluded")
                    .isEqualTo(classes.subList(
                            0, expected.get("num_dataset_classes").asInt()));
            for (int c = 0; c < labels.size(); c++) {
                assertThat(line.get("scores").get(labels.get(c)).doubleValue())
                        .as("%s score of %s", name, labels.get(c))
                        .isCloseTo(expected.get("final_scores").get(c).doubleValue(), within(SCORES));
            }

            List<String> tags = new ArrayList<>();
            line.get("tags").forEach(tag -> tags.add(tag.get("label").asText()));
            List<String> expectedTags = new ArrayList<>();
            expected.get("tag_names").forEach(tag -> expectedTags.add(tag.asText()));
            assertThat(tags).as("%s tags", name).containsExactlyInAnyOrderElementsOf(expectedTags);
            int width = expected.get("original").get("width").asInt();
            int height = expected.get("original").get("height").asInt();
            for (JsonNode tag : line.get("tags")) {
                assertThat(tag.get("score").floatValue())
                        .isEqualTo(line.get("scores")
                                .get(tag.get("label").asText())
                                .floatValue());
                JsonNode box = tag.get("box");
                if (box != null) {
                    assertThat(box.get(0).asInt()).isBetween(0, box.get(2).asInt());
                    assertThat(box.get(1).asInt()).isBetween(0, box.get(3).asInt());
                    assertThat(box.get(2).asInt()).isLessThanOrEqualTo(width);
                    assertThat(box.get(3).asInt()).isLessThanOrEqualTo(height);
                }
            }
        }
    }

    @Test
    void shouldOmitBoxesUnlessAskedAndHonourTopK() throws IOException {
        Run run = run(
                "tag",
                "--model",
                modelDir.toString(),
                "--vocab",
                "voc2007",
                "--mode",
                "reference",
                "--top-k",
                "1",
                image("camera_crop"));

        assertThat(run.code()).as(run.err()).isZero();
        JsonNode line = run.jsonLines().get(0);
        assertThat(line.get("tags")).hasSize(1);
        assertThat(line.get("tags").get(0).has("box")).isFalse();
        JsonNode expected = Golden.expected("camera_crop", "voc2007");
        int best = 0;
        for (int c = 1; c < 20; c++) {
            if (expected.get("final_scores").get(c).doubleValue()
                    > expected.get("final_scores").get(best).doubleValue()) {
                best = c;
            }
        }
        assertThat(line.get("tags").get(0).get("label").asText())
                .isEqualTo(expected.get("classes").get(best).asText());
    }

    @Test
    void shouldExpandDirectoriesToTheirImageFilesInNameOrder(@TempDir Path dir) throws IOException {
        Files.copy(Path.of(image("camera_crop")), dir.resolve("b.png"));
        Files.copy(Path.of(image("camera_crop")), dir.resolve("a.PNG"));
        Files.writeString(dir.resolve("notes.txt"), "not an image");

        Run run = run("tag", "--model", modelDir.toString(), "--vocab", "voc2007", dir.toString());

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.jsonLines())
                .extracting(line -> line.get("image").asText())
                .containsExactly(
                        dir.resolve("a.PNG").toString(), dir.resolve("b.png").toString());
    }

    @Test
    void shouldReportUnreadableImageAndStillTagTheOthers(@TempDir Path dir) throws IOException {
        Path broken = dir.resolve("broken.png");
        Files.writeString(broken, "this is not a PNG", StandardCharsets.US_ASCII);
        Path missing = dir.resolve("missing.jpg");

        Run run = run(
                "tag",
                "--model",
                modelDir.toString(),
                "--vocab",
                "voc2007",
                broken.toString(),
                image("camera_crop"),
                missing.toString());

        assertThat(run.code()).isEqualTo(Main.EXIT_FAILED);
        assertThat(run.jsonLines())
                .extracting(line -> line.get("image").asText())
                .containsExactly(image("camera_crop"));
        assertThat(run.err()).contains("tagclip: ", broken.toString(), missing.toString(), "2 of 3 images failed");
    }

    @Test
    void shouldNameTheMissingModelFile(@TempDir Path dir) throws IOException {
        Files.copy(modelDir.resolve("config.json"), dir.resolve("config.json"));

        Run run = run("tag", "--model", dir.toString(), "--vocab", "voc2007", image("camera_crop"));

        assertThat(run.code()).isEqualTo(Main.EXIT_FAILED);
        assertThat(run.err())
                .startsWith("tagclip: ")
                .contains(dir.resolve("model.safetensors").toString())
                .doesNotContain("\tat ");
        assertThat(run.out()).isEmpty();

        Path nowhere = dir.resolve("no-such-model");
        Run missing = run("tag", "--model", nowhere.toString(), "--vocab", "voc2007", image("camera_crop"));
        assertThat(missing.code()).isEqualTo(Main.EXIT_FAILED);
        assertThat(missing.err()).startsWith("tagclip: --model: no such file: " + nowhere);
    }

    /** A mistyped path of any command is one line naming the option and the path, before any model loads. */
    @Test
    void shouldNameTheOptionOfAMistypedPath(@TempDir Path dir) throws IOException {
        Path nowhere = dir.resolve("nowhere");
        Path split = Files.writeString(dir.resolve("val.txt"), "chelsea_small 0\n");
        String model = modelDir.toString();
        String folder = dir.toString();
        Map<String, String[]> runs = new LinkedHashMap<>();
        runs.put("--vocab", new String[] {"tag", "--model", model, "--vocab", nowhere + ".txt", image("camera_crop")});
        runs.put("--head", new String[] {
            "tag",
            "--model",
            model,
            "--vocab",
            "voc2007",
            "--method",
            "cdul",
            "--head",
            nowhere.toString(),
            image("camera_crop")
        });
        runs.put("--split", new String[] {
            "eval", "--model", model, "--vocab", "voc2007", "--images", folder, "--split", nowhere.toString()
        });
        runs.put("--images", new String[] {
            "eval", "--model", model, "--vocab", "voc2007", "--images", nowhere.toString(), "--split", split.toString()
        });
        runs.put("--gt", new String[] {
            "eval-seg",
            "--model",
            model,
            "--vocab",
            "voc2007",
            "--images",
            folder,
            "--gt",
            nowhere.toString(),
            "--split",
            split.toString()
        });
        runs.put("train --images", new String[] {
            "train", "--model", model, "--vocab", "voc2007", "--images", nowhere.toString(), "--out", folder
        });
        runs.put("train --model", new String[] {
            "train", "--model", nowhere.toString(), "--vocab", "voc2007", "--images", folder, "--out", folder
        });

        runs.forEach((option, args) -> {
            Run run = run(args);
            String named = option.startsWith("train ") ? option.substring("train ".length()) : option;
            String path = option.equals("--vocab") ? nowhere + ".txt" : nowhere.toString();
            assertThat(run.code()).as(option).isEqualTo(Main.EXIT_FAILED);
            assertThat(run.err()).as(option).isEqualTo("tagclip: " + named + ": no such file: " + path + "\n");
        });
    }

    @Test
    void shouldTagWithAVocabularyFileAndALabelSubset(@TempDir Path dir) throws IOException {
        Path vocabulary = dir.resolve("pets.txt");
        Files.writeString(vocabulary, "# pets\ncat\ndog\tprompt=dog;puppy\nbird\nbackground: sky\n");

        Run run = run(
                "tag",
                "--model",
                modelDir.toString(),
                "--vocab",
                vocabulary.toString(),
                "--labels",
                "cat,dog",
                image("chelsea_small"));

        assertThat(run.code()).as(run.err()).isZero();
        JsonNode line = run.jsonLines().get(0);
        List<String> labels = new ArrayList<>();
        line.get("scores").fieldNames().forEachRemaining(labels::add);
        assertThat(labels).containsExactly("cat", "dog");
        assertThat(line.get("tags")).isNotEmpty();
        line.get("tags").forEach(tag -> assertThat(tag.get("label").asText()).isIn("cat", "dog"));
    }

    @Test
    void shouldNameTheBadVocabularyLine(@TempDir Path dir) throws IOException {
        Path vocabulary = dir.resolve("pets.txt");
        Files.writeString(vocabulary, "cat\ndog\tcolour=brown\n");

        Run run = run("tag", "--model", modelDir.toString(), "--vocab", vocabulary.toString(), image("camera_crop"));

        assertThat(run.code()).isEqualTo(Main.EXIT_FAILED);
        assertThat(run.err()).startsWith("tagclip: ").contains("line 2", "colour=brown");
    }

    @Test
    void shouldTrainACdulHeadThenEvaluateAndTagWithIt(@TempDir Path dir) throws IOException {
        Path head = dir.resolve("head");
        Run train = run(
                "train",
                "--method",
                "cdul",
                "--teacher",
                "cdul-global-local",
                "--model",
                modelDir.toString(),
                "--vocab",
                "voc2007",
                "--images",
                imageDir.toString(),
                "--epochs",
                "20",
                "--out",
                head.toString());
        assertThat(train.code()).as(train.err()).isZero();
        assertThat(head.resolve("head.safetensors")).isRegularFile();
        JsonNode manifest = JSON.readTree(head.resolve("manifest.json").toFile());
        assertThat(manifest.get("teacher").asText()).isEqualTo("cdul-global-local");
        assertThat(manifest.get("modelId").asText()).isEqualTo(model.modelId());
        assertThat(manifest.get("modelRevision").asText()).isEqualTo(model.revision());
        assertThat(manifest.get("vocabularyId").asText()).isEqualTo("voc2007");
        assertThat(manifest.get("labels")).hasSize(20);
        assertThat(manifest.get("trainingSamples").asInt()
                        + manifest.get("heldOutSamples").asInt())
                .isEqualTo(Golden.IMAGES.size());
        assertThat(manifest.get("heldOutSamples").asInt()).isPositive();
        assertThat(manifest.get("seed").asLong()).isEqualTo(42);
        assertThat(manifest.get("metrics").get("epochs").asInt()).isBetween(1, 20);
        String version = manifest.get("version").asText();
        assertThat(train.out()).contains(version, "teacher cdul-global-local");

        Run eval = evalGoldenSplit(dir, "--method", "cdul", "--head", head.toString(), "--json");
        assertThat(eval.code()).as(eval.err()).isZero();
        JsonNode report = JSON.readTree(eval.out());
        assertThat(report.get("method").asText()).isEqualTo("cdul");
        assertThat(report.get("images").asInt()).isEqualTo(Golden.IMAGES.size());
        assertThat(report.get("mAP").asDouble()).isBetween(0.0, 1.0);

        Run tag = run(
                "tag",
                "--model",
                modelDir.toString(),
                "--vocab",
                "voc2007",
                "--method",
                "cdul",
                "--head",
                head.toString(),
                image("camera_crop"));
        assertThat(tag.code()).as(tag.err()).isZero();
        assertThat(tag.jsonLines()).hasSize(1);
        assertThat(tag.jsonLines().get(0).get("scores")).hasSize(20);
    }

    @Test
    void shouldTrainACdulHeadFromTagClipWithoutNamingTheMethodAndNameTheTeacher(@TempDir Path dir) throws IOException {
        Path head = dir.resolve("head");
        Run train = run( // no --method: cdul, the only method that trains, is the default
                "train",
                "--teacher",
                "tagclip",
                "--model",
                modelDir.toString(),
                "--vocab",
                "voc2007",
                "--images",
                imageDir.toString(),
                "--epochs",
                "3",
                "--out",
                head.toString());
        Run badTeacher = run(
                "train",
                "--method",
                "cdul",
                "--teacher",
                "clip-global",
                "--model",
                modelDir.toString(),
                "--vocab",
                "voc2007",
                "--images",
                imageDir.toString(),
                "--out",
                head.toString());

        assertThat(train.code()).as(train.err()).isZero();
        JsonNode manifest = JSON.readTree(head.resolve("manifest.json").toFile());
        assertThat(manifest.get("teacher").asText()).isEqualTo("tagclip");
        assertThat(manifest.get("options").get("maxEpochs").asInt()).isEqualTo(3);
        assertThat(badTeacher.code()).isEqualTo(Main.EXIT_FAILED);
        assertThat(badTeacher.err()).contains("--teacher must be tagclip or cdul-global-local, got clip-global");
    }

    @Test
    void shouldRefuseCdulWithoutAHeadAndAHeadWithoutCdul(@TempDir Path dir) {
        Run missing = run(
                "tag", "--model", modelDir.toString(), "--vocab", "voc2007", "--method", "cdul", image("camera_crop"));
        Run stray = run(
                "tag",
                "--model",
                modelDir.toString(),
                "--vocab",
                "voc2007",
                "--head",
                dir.toString(),
                image("camera_crop"));
        Run notAHead = run(
                "tag",
                "--model",
                modelDir.toString(),
                "--vocab",
                "voc2007",
                "--method",
                "cdul",
                "--head",
                dir.toString(),
                image("camera_crop"));

        assertThat(missing.code()).isEqualTo(Main.EXIT_FAILED);
        assertThat(missing.err()).contains("--method cdul needs --head");
        assertThat(stray.code()).isEqualTo(Main.EXIT_FAILED);
        assertThat(stray.err()).contains("--head applies to --method cdul only");
        assertThat(notAHead.code()).isEqualTo(Main.EXIT_FAILED);
        assertThat(notAHead.err()).contains("not a head folder", dir.toString());
    }

    /**
     * A 2000x1500 photo is 11,751 tokens at its reference size (2000x1504): over a 1 GB first-pass budget on the tiny
     * model, so reference mode refuses it, naming the estimate and the ways out, and tags the other image; the default
     * mode, throughput, tags it at a 768-pixel long side within the same budget.
     */
    @Test
    void shouldRefuseAnImageOverTheFirstPassBudgetInReferenceModeAndTagItByDefault(@TempDir Path dir)
            throws IOException {
        Path photo = dir.resolve("photo.png");
        ImageIO.write(new BufferedImage(2000, 1500, BufferedImage.TYPE_3BYTE_BGR), "png", photo.toFile());
        String[] common = {"tag", "--model", modelDir.toString(), "--vocab", "voc2007", "--max-first-pass-bytes"};

        List<String> reference = new ArrayList<>(List.of(common));
        reference.addAll(List.of("1000000000", "--mode", "reference", photo.toString(), image("camera_crop")));
        Run refused = run(reference.toArray(String[]::new));
        List<String> throughput = new ArrayList<>(List.of(common));
        throughput.addAll(List.of("1000000000", photo.toString(), image("camera_crop")));
        Run tagged = run(throughput.toArray(String[]::new));

        assertThat(refused.code()).isEqualTo(Main.EXIT_FAILED);
        assertThat(refused.jsonLines())
                .extracting(line -> line.get("image").asText())
                .containsExactly(image("camera_crop"));
        assertThat(refused.err())
                .contains("tagclip: " + photo + ": image '" + photo + "' (2000x1500): too large for reference mode's")
                .contains("at 2000x1504 it has 11,751 tokens", "(1000000000 bytes)", "--max-first-pass-bytes")
                .contains("--mode throughput", "1 of 2 images failed");
        assertThat(tagged.code()).as(tagged.err()).isZero();
        assertThat(tagged.jsonLines())
                .extracting(line -> line.get("image").asText())
                .containsExactly(photo.toString(), image("camera_crop"));
    }

    @Test
    void shouldNameABadFirstPassBudget() {
        Run run = run(
                "tag",
                "--model",
                modelDir.toString(),
                "--vocab",
                "voc2007",
                "--max-first-pass-bytes",
                "lots",
                image("camera_crop"));

        assertThat(run.code()).isEqualTo(Main.EXIT_FAILED);
        assertThat(run.err())
                .startsWith("tagclip: --max-first-pass-bytes 'lots' is neither a positive number of bytes");
    }

    @Test
    void shouldNameAnUnknownMethodAndVocabulary() {
        Run method = run(
                "tag", "--model", modelDir.toString(), "--vocab", "voc2007", "--method", "magic", image("camera_crop"));
        Run vocabulary = run("tag", "--model", modelDir.toString(), "--vocab", "voc2012", image("camera_crop"));

        assertThat(method.code()).isEqualTo(Main.EXIT_FAILED);
        assertThat(method.err()).startsWith("tagclip: ").contains("'magic'", "tagclip, clip-global, cdul-global-local");
        assertThat(vocabulary.code()).isEqualTo(Main.EXIT_FAILED);
        assertThat(vocabulary.err()).startsWith("tagclip: ").contains("'voc2012'");
    }

    @Test
    void shouldPrintTheStackTraceOnlyWhenVerbose() {
        Run verbose = run(
                "tag",
                "--verbose",
                "--model",
                modelDir.toString(),
                "--vocab",
                "voc2007",
                "--method",
                "magic",
                image("camera_crop"));

        assertThat(verbose.code()).isEqualTo(Main.EXIT_FAILED);
        assertThat(verbose.err()).startsWith("tagclip: ").contains("\tat ");
    }

    @Test
    void shouldExplainAMissingRequiredOption() {
        Run run = run("tag", "--vocab", "voc2007", image("camera_crop"));

        assertThat(run.code()).isEqualTo(Main.EXIT_USAGE);
        assertThat(run.err()).startsWith("tagclip: ").contains("--model", "tagclip tag --help");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "tag | --top-k=-3 | --top-k must not be negative, got -3",
                "tag | --min-score=1.5 | --min-score must be in [0,1], got 1.5",
                "tag | --relative-threshold=-1 | --relative-threshold must be in [0,1], got -1.0",
                "tag | --layers=0,8,1 | --layers: VOTE must be at least 1, got 0,8,1",
                "tag | --layers=4,-1,1 | --layers: FROM and DROP must not be negative, got 4,-1,1",
                "tag | --patch-size=0 | --patch-size must be positive, got 0",
                "tag | --cwr-size=200 | --cwr-size must be a positive multiple of the patch size 16, got 200",
                "train | --epochs=0 | --epochs must be at least 1, got 0"
            })
    void shouldRefuseABadOptionValueNamingTheOption(String command, String option, String message, @TempDir Path dir) {
        List<String> args = new ArrayList<>(List.of(command, "--model", modelDir.toString(), "--vocab", "voc2007"));
        if (command.equals("train")) {
            args.addAll(List.of(
                    "--images",
                    imageDir.toString(),
                    "--out",
                    dir.resolve("head").toString()));
        } else {
            args.add(image("camera_crop"));
        }
        args.add(option);

        Run run = run(args.toArray(String[]::new));

        assertThat(run.code()).isEqualTo(Main.EXIT_FAILED);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo("tagclip: " + message + System.lineSeparator());
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void shouldRefuseAnOutputFolderThatIsAFile(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("overlays"), "not a folder");

        Run run = run(
                "tag",
                "--model",
                modelDir.toString(),
                "--vocab",
                "voc2007",
                "--overlay",
                file.toString(),
                image("camera_crop"));

        assertThat(run.code()).isEqualTo(Main.EXIT_FAILED);
        assertThat(run.err())
                .isEqualTo("tagclip: --overlay: " + file + " is a file, not a folder" + System.lineSeparator());
    }

    @Test
    void shouldRefuseABadKafkaCommandValueBeforeReachingForTheBrokers() {
        Run max = run("consume", "--bootstrap-servers", "127.0.0.1:1", "--max", "0");
        assertThat(max.code()).isEqualTo(Main.EXIT_FAILED);
        assertThat(max.err()).isEqualTo("tagclip: --max must be at least 1, got 0" + System.lineSeparator());

        Run timeout = run("produce", "--connect-timeout", "-5s", "--id", "a", "--uri", "http://example.com/a.png");
        assertThat(timeout.code()).isEqualTo(Main.EXIT_USAGE);
        assertThat(timeout.err())
                .startsWith("tagclip: Invalid value for option '--connect-timeout': '-5s' is not" + " positive");
    }

    @ParameterizedTest
    @ValueSource(strings = {"clip-global", "cdul-global-local"})
    void shouldTagWithTheBaselines(String method) throws IOException {
        Run run = run(
                "tag",
                "--model",
                modelDir.toString(),
                "--vocab",
                "voc2007",
                "--method",
                method,
                image("chelsea_small"));

        assertThat(run.code()).as(run.err()).isZero();
        JsonNode line = run.jsonLines().get(0);
        assertThat(line.get("scores")).hasSize(20);
        line.get("scores").forEach(score -> assertThat(score.floatValue()).isBetween(0f, 1f));
        assertThat(line.get("tags")).isNotEmpty();
        line.get("tags").forEach(tag -> assertThat(tag.has("box")).isFalse());
    }

    @Test
    void shouldEvaluateTheGoldenSplitToTheReferenceMap(@TempDir Path dir) throws IOException {

        Run run = evalGoldenSplit(dir, "--mode", "reference", "--json");

        assertThat(run.code()).as(run.err()).isZero();
        JsonNode report = JSON.readTree(run.out());
        JsonNode expected = Golden.expected("eval_voc2007.json");
        assertThat(report.get("images").asInt()).isEqualTo(Golden.IMAGES.size());
        assertThat(report.get("mAP").asDouble()).isCloseTo(expected.get("mAP").asDouble(), within(SCORES));
        for (int c = 0; c < 20; c++) {
            assertThat(report.get("per_class").get(c).get("AP").asDouble())
                    .as("AP of class %d", c)
                    .isCloseTo(expected.get("per_class_AP").get(c).asDouble(), within(SCORES));
        }
        assertThat(report.get("F1").asDouble()).isCloseTo(expected.get("F1").asDouble(), within(SCORES));
        assertThat(report.get("P").asDouble()).isCloseTo(expected.get("P").asDouble(), within(SCORES));
        assertThat(report.get("R").asDouble()).isCloseTo(expected.get("R").asDouble(), within(SCORES));
        assertThat(report.get("method").asText()).isEqualTo("tagclip");
        assertThat(report.get("mode").asText()).isEqualTo("reference");
        assertThat(report.get("images_per_second").asDouble()).isPositive();
    }

    @Test
    void shouldPrintReadableMetricsForALimitedSplit(@TempDir Path dir) throws IOException {
        Path split = dir.resolve("small.txt");
        Files.writeString(split, "camera_crop 14\nchelsea_small 7\nastronaut_224 14\n");

        Run run = run(
                "eval",
                "--model",
                modelDir.toString(),
                "--vocab",
                "voc2007",
                "--images",
                imageDir.toString(),
                "--split",
                split.toString(),
                "--limit",
                "2");

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("mAP ", "mAP (positives)", "F1 / P / R", "images/s", "(2 images)", "person", "cat")
                .as("throughput mode by default")
                .contains("tagclip (throughput mode)");
    }

    @Test
    void shouldWriteAnOverlayPerImageWithBoxesAndNameItInTheJsonLine(@TempDir Path dir) throws IOException {
        Path overlays = dir.resolve("overlays");

        Run run = run(
                "tag",
                "--model",
                modelDir.toString(),
                "--vocab",
                "voc2007",
                "--overlay",
                overlays.toString(),
                image("chelsea_small"),
                image("camera_crop"));

        assertThat(run.code()).as(run.err()).isZero();
        List<JsonNode> lines = run.jsonLines();
        assertThat(lines)
                .extracting(line -> line.get("overlay").asText())
                .containsExactly(
                        overlays.resolve("chelsea_small.overlay.png").toString(),
                        overlays.resolve("camera_crop.overlay.png").toString());
        for (JsonNode line : lines) {
            assertThat(line.get("tags"))
                    .as("--overlay turns boxes on")
                    .anySatisfy(tag -> assertThat(tag.has("box")).isTrue());
            BufferedImage original =
                    ImageIO.read(Path.of(line.get("image").asText()).toFile());
            BufferedImage overlay =
                    ImageIO.read(Path.of(line.get("overlay").asText()).toFile());
            int scale = OverlayRenderer.scale(original.getWidth(), original.getHeight());
            assertThat(overlay.getWidth()).isEqualTo(original.getWidth() * scale);
            assertThat(overlay.getHeight()).isEqualTo(original.getHeight() * scale);
        }
    }

    /**
     * {@code --masks}: every tag's RLE decodes to exactly the pixels the label map file gives it, and the label map
     * agrees with the official CLIP-ES output for the image except at the pixels the fixture counts as fragile.
     */
    @Test
    void shouldWriteLabelMapsThatTheTagsMasksDecodeTo(@TempDir Path dir) throws IOException {
        Path masks = dir.resolve("masks");

        Run run = run(
                "tag",
                "--model",
                modelDir.toString(),
                "--vocab",
                "voc2007",
                "--mode",
                "reference",
                "--masks",
                masks.toString(),
                image("chelsea_small"));

        assertThat(run.code()).as(run.err()).isZero();
        JsonNode line = run.jsonLines().get(0);
        BufferedImage labels =
                ImageIO.read(masks.resolve("chelsea_small.labels.png").toFile());
        assertThat(labels.getType()).isEqualTo(BufferedImage.TYPE_BYTE_GRAY);
        assertThat(masks.resolve("chelsea_small.masks.png")).exists();
        int h = labels.getHeight();
        int w = labels.getWidth();
        assertThat(List.of(h, w)).containsExactly(100, 150);
        List<String> classes = Vocabularies.builtIn().get("voc2007").labels();
        int[] fromMasks = new int[h * w];
        double coverage = 0;
        for (JsonNode tag : line.get("tags")) {
            JsonNode mask = tag.get("mask");
            assertThat(mask.get("size").get(0).asInt()).isEqualTo(h);
            assertThat(mask.get("size").get(1).asInt()).isEqualTo(w);
            boolean[] pixels = CocoRle.decode(mask.get("counts").asText(), h, w);
            int count = 0;
            for (int i = 0; i < pixels.length; i++) {
                if (pixels[i]) {
                    assertThat(fromMasks[i])
                            .as("masks of one image are disjoint")
                            .isZero();
                    fromMasks[i] = classes.indexOf(tag.get("label").asText()) + 1;
                    count++;
                }
            }
            assertThat(mask.get("coverage").asDouble()).isCloseTo((double) count / (h * w), within(1e-12));
            coverage += mask.get("coverage").asDouble();
        }
        assertThat(coverage).isLessThanOrEqualTo(1.0 + 1e-9);
        JsonNode golden = ClsSegGolden.run("chelsea_small.voc").get("label_map");
        BufferedImage expected = ImageIO.read(
                new ByteArrayInputStream(ClsSegGolden.bytes(golden.get("png").asText())));
        int differing = 0;
        for (int i = 0; i < fromMasks.length; i++) {
            int value = labels.getRaster().getSample(i % w, i / w, 0);
            assertThat(value).as("pixel %d", i).isEqualTo(fromMasks[i]);
            differing += value == expected.getRaster().getSample(i % w, i / w, 0) ? 0 : 1;
        }
        assertThat(differing).isLessThanOrEqualTo(golden.get("fragile_count").asInt());
    }

    /**
     * eval-seg on the small golden images against the official CLIP-ES label maps: its mIoU is the one
     * {@link SegmentationMetrics} gives for the label maps {@code tag --masks} writes, and close to 1 (they differ from
     * the fixture's only at its fragile pixels).
     */
    @Test
    void shouldScoreMasksAgainstGroundTruthAsTheWrittenLabelMapsDo(@TempDir Path dir) throws IOException {
        Path images = Files.createDirectories(dir.resolve("images"));
        Path truth = Files.createDirectories(dir.resolve("gt"));
        for (String id : SMALL_IMAGES) {
            Files.copy(Path.of(image(id)), images.resolve(id + ".png"));
            Files.write(truth.resolve(id + ".png"), ClsSegGolden.bytes(id + ".voc.labels.png"));
        }
        Path split = Files.writeString(dir.resolve("val.txt"), String.join("\n", SMALL_IMAGES) + "\n");
        Path masks = dir.resolve("masks");
        Run tagged = run(
                "tag",
                "--model",
                modelDir.toString(),
                "--vocab",
                "voc2007",
                "--mode",
                "reference",
                "--masks",
                masks.toString(),
                images.toString());
        assertThat(tagged.code()).as(tagged.err()).isZero();
        Path written = Files.createDirectories(dir.resolve("written"));
        for (String id : SMALL_IMAGES) {
            Files.copy(masks.resolve(id + ".labels.png"), written.resolve(id + ".png"));
        }
        SegmentationMetrics.Result expected = SegmentationMetrics.compare(truth, written, SMALL_IMAGES, 21);

        Run run = evalSeg(images, truth, split, "--mode", "reference", "--json");

        assertThat(run.code()).as(run.err()).isZero();
        JsonNode result = JSON.readTree(run.out());
        assertThat(result.get("images").asInt()).isEqualTo(SMALL_IMAGES.size());
        assertThat(result.get("mean_iou").asDouble())
                .isEqualTo(expected.meanIou())
                .isGreaterThan(0.99);
        assertThat(result.get("pixel_accuracy").asDouble()).isEqualTo(expected.pixelAccuracy());
        assertThat(result.get("per_class_iou").get("background").asDouble()).isEqualTo(expected.iou()[0]);
        Run text = evalSeg(images, truth, split, "--mode", "reference");
        assertThat(text.code()).as(text.err()).isZero();
        assertThat(text.out()).contains(String.format(Locale.ROOT, "%.2f%%", 100 * expected.meanIou()), "background");
    }

    @Test
    void shouldNameTheMissingGroundTruthFileOfEvalSeg(@TempDir Path dir) throws IOException {
        Path truth = Files.createDirectories(dir.resolve("gt"));
        Path split = Files.writeString(dir.resolve("val.txt"), "chelsea_small\n");

        Run run = evalSeg(imageDir, truth, split);

        assertThat(run.code()).isNotZero();
        assertThat(run.err()).contains("label map " + truth.resolve("chelsea_small.png") + " does not exist");
    }

    @Test
    void shouldWriteAReportWhoseNumbersAreEvalsOwn(@TempDir Path dir) throws IOException {
        Path reportDir = dir.resolve("report");

        Run run = evalGoldenSplit(dir, "--mode", "reference", "--json", "--report", reportDir.toString());

        assertThat(run.code()).as(run.err()).isZero();
        JsonNode printed = JSON.readTree(run.out());
        assertThat(printed.get("mAP").asDouble())
                .isCloseTo(Golden.expected("eval_voc2007.json").get("mAP").asDouble(), within(SCORES));
        String html = Files.readString(reportDir.resolve(EvaluationPage.PAGE));
        Map<String, String> metrics = values(html, "data-metric=\"([^\"]+)\" data-value=\"([^\"]+)\"");
        for (String key : List.of("mAP", "mAP_classes_with_positives", "F1", "P", "R", "TP", "FP", "FN")) {
            assertThat(Double.parseDouble(metrics.get(key)))
                    .as(key)
                    .isEqualTo(printed.get(key).asDouble());
        }
        Map<String, String> perClass = values(html, "data-class=\"(\\d+)\" data-value=\"([^\"]+)\"");
        assertThat(perClass).hasSize(20);
        for (int c = 0; c < 20; c++) {
            assertThat(Double.parseDouble(perClass.get(Integer.toString(c))))
                    .as("AP of class %d", c)
                    .isEqualTo(printed.get("per_class").get(c).get("AP").asDouble());
        }
        assertThat(JSON.readTree(reportDir.resolve(EvaluationPage.METRICS_JSON).toFile())
                        .get("mAP")
                        .asDouble())
                .isEqualTo(printed.get("mAP").asDouble());
        for (String chart : List.of(
                EvaluationPage.AP_CHART,
                EvaluationPage.BEST_CHART,
                EvaluationPage.WORST_CHART,
                EvaluationPage.HISTOGRAM_CHART)) {
            BufferedImage png = ImageIO.read(reportDir.resolve(chart).toFile());
            assertThat(png).as(chart).isNotNull();
            assertThat(png.getWidth()).as(chart).isGreaterThan(400);
        }
        assertThat(html.split("src=\"data:image/png;base64,", -1))
                .as("the four charts embedded")
                .hasSize(5);
    }

    private static Map<String, String> values(String html, String regex) {
        Map<String, String> values = new LinkedHashMap<>();
        Matcher m = Pattern.compile(regex).matcher(html);
        while (m.find()) {
            values.put(m.group(1), m.group(2));
        }
        return values;
    }

    /** The golden images copied into {@code dir/JPEGImages}, named as the golden split names them. */
    private static Path goldenImageFolder(Path dir) throws IOException {
        Path images = Files.createDirectory(dir.resolve("JPEGImages"));
        for (String name : Golden.IMAGES) {
            Files.copy(Path.of(image(name)), images.resolve(name + ".png"));
        }
        return images;
    }

    /** {@code eval} of the tiny model on the golden images and the golden VOC split, with {@code options} added. */
    /** {@code eval-seg} of the tiny model on VOC over these images, label maps and split, plus {@code options}. */
    private static Run evalSeg(Path images, Path truth, Path split, String... options) {
        List<String> args = new ArrayList<>(List.of(
                "eval-seg",
                "--model",
                modelDir.toString(),
                "--vocab",
                "voc2007",
                "--images",
                images.toString(),
                "--gt",
                truth.toString(),
                "--split",
                split.toString()));
        args.addAll(List.of(options));
        return run(args.toArray(String[]::new));
    }

    private static Run evalGoldenSplit(Path dir, String... options) throws IOException {
        Path split = modelDir.resolveSibling("splits").resolve("voc2007.txt");
        List<String> args = new ArrayList<>(List.of(
                "eval",
                "--model",
                modelDir.toString(),
                "--vocab",
                "voc2007",
                "--images",
                goldenImageFolder(dir).toString(),
                "--split",
                split.toString()));
        args.addAll(List.of(options));
        return run(args.toArray(String[]::new));
    }
}
