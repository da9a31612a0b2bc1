package io.tagclip.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tagclip.clip.ClipModel;
import io.tagclip.golden.ClsSegGolden;
import io.tagclip.golden.Golden;
import io.tagclip.golden.LabelMapParity;
import io.tagclip.golden.TinyModel;
import io.tagclip.inference.Pipelines;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * {@code tag --masks DIR} against the official CLS-SEG label maps of {@code clsseg-tiny}: the label map the command
 * writes for each golden image equals the oracle's except at the pixels the oracle lists as fragile.
 *
 * <p>The oracle segmented each image for the tags the official {@code classify.py} gave it, and the command segments
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
class TagMasksParityTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The fixture's dataset name of each vocabulary. */
    private static final Map<String, String> DATASETS = Map.of("voc2007", "voc", "coco2014", "coco");

    private static ClipModel model;

    @BeforeAll
    static void load() {
        model = TinyModel.shared();
    }

    /** The command line with the shared tiny model behind {@code --model} (not closed by the command). */
    private static CommandLine commandLine(Path textCache) {
        ModelOptions.Loader shared =
                (source, progress) -> new ModelOptions.Loaded(model, Pipelines.promptEnsemble(model), false);
        return Main.commandLine(new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                return type == ModelOptions.class
                        ? type.cast(new ModelOptions(shared, textCache))
                        : CommandLine.defaultFactory().create(type);
            }
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"voc2007", "coco2014"})
    void shouldWriteTheOfficialLabelMapsForTheOraclesLabels(String vocabularyId, @TempDir Path dir) throws IOException {
        String dataset = DATASETS.get(vocabularyId);
        List<String> runs = ClsSegGolden.RUNS.stream()
                .filter(run -> run.endsWith("." + dataset))
                .toList();
        Path imageDir = Golden.modelDir().resolveSibling("images");
        Path masks = dir.resolve("masks");
        List<String> args = new ArrayList<>(List.of(
                "tag", "--model", Golden.modelDir().toString(), "--vocab", vocabularyId, "--masks", masks.toString()));
        runs.forEach(run -> args.add(imageDir.resolve(image(run) + ".png").toString()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = commandLine(dir.resolve("text-cache"));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));

        int code = cli.execute(args.toArray(String[]::new));

        assertThat(code).as(err.toString()).isZero();
        String[] lines = out.toString().strip().split("\n");
        assertThat(lines).hasSameSizeAs(runs);
        Vocabulary vocabulary = Vocabularies.builtIn().get(vocabularyId);
        SoftAssertions softly = new SoftAssertions();
        for (int r = 0; r < runs.size(); r++) {
            String run = runs.get(r);
            JsonNode line = JSON.readTree(lines[r]);
            TreeSet<Integer> tagged = new TreeSet<>();
            line.get("tags")
                    .forEach(tag ->
                            tagged.add(vocabulary.indexOf(tag.get("label").asText())));
            TreeSet<Integer> oracle = new TreeSet<>();
            ClsSegGolden.run(run).get("label_ids").forEach(id -> oracle.add(id.asInt()));
            assertThat(tagged)
                    .as("%s: TagCLIP's tags are the oracle's labels", run)
                    .isEqualTo(oracle);

            LabelMapParity.Verdict verdict =
                    LabelMapParity.judge(run, labelMap(masks.resolve(image(run) + ".labels.png")));

            softly.assertThat(verdict.matches())
                    .as("%s: %s", run, verdict.summary())
                    .isTrue();
        }
        softly.assertAll();
    }

    private static String image(String run) {
        return run.substring(0, run.lastIndexOf('.'));
    }

    private static byte[] labelMap(Path png) throws IOException {
        BufferedImage image = ImageIO.read(png.toFile());
        Raster raster = image.getRaster();
        int width = image.getWidth();
        byte[] map = new byte[image.getHeight() * width];
        for (int i = 0; i < map.length; i++) {
            map[i] = (byte) raster.getSample(i % width, i / width, 0);
        }
        return map;
    }
}
