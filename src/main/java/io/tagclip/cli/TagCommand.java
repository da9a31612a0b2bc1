package io.tagclip.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tagclip.image.RgbImage;
import io.tagclip.pipeline.Box;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.Mask;
import io.tagclip.pipeline.Method;
import io.tagclip.pipeline.Tag;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.report.OverlayRenderer;
import io.tagclip.tagging.DecisionOptions;
import io.tagclip.tagging.TagClipParams;
import io.tagclip.vocab.Vocabularies;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tagclip tag}: tags image files and prints one JSON object per image and line. An image that cannot be read,
 * decoded or tagged is reported on stderr and the others are still tagged; the exit code is then non-zero.
 */
@Command(
        name = "tag",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Tag image files; prints one JSON line per image:",
            "{\"image\": PATH, \"scores\": {LABEL: SCORE, ...}, \"tags\": [{\"label\": L, \"score\": S, "
                    + "\"box\": [x0, y0, x1, y1]}]}",
            "scores: every label of the vocabulary (background classes excluded) in vocabulary order; tags: highest "
                    + "score first; box (with --boxes): original pixels, x1/y1 exclusive; overlay (with --overlay): "
                    + "the PNG written for the image."
        })
final class TagCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    ModelOptions model;

    @Option(names = "--boxes", description = "Give every tag the box of its class's DMAR regions (tagclip only).")
    boolean boxes;

    @Option(
            names = "--overlay",
            paramLabel = "DIR",
            description = "Write per image DIR/<name>.overlay.png: the image with each tag's box and label, a colour "
                    + "per label (turns --boxes on for tagclip); the JSON line names the file.")
    Path overlayDir;

    @Option(
            names = "--masks",
            paramLabel = "DIR",
            description = "Classify, then segment (CLIP-ES on the tags; tagclip only): give every tag a mask (COCO RLE "
                    + "in the JSON line) and write per image DIR/<name>.labels.png (8-bit, 0 background, 1 + class "
                    + "index) and DIR/<name>.masks.png (colour overlay).")
    Path masksDir;

    @Mixin
    Progress.Choice progress;

    @Option(
            names = "--labels",
            split = ",",
            paramLabel = "LABEL",
            description = "Report only these labels (comma-separated); the tag threshold still uses all scores.")
    List<String> labels;

    @Option(
            names = "--top-k",
            defaultValue = "0",
            paramLabel = "K",
            description = "Keep at most K tags per image, highest first; 0 keeps all (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(
            names = "--min-score",
            defaultValue = "0",
            paramLabel = "S",
            description = "A tag also needs score >= S, in [0,1] (default: ${DEFAULT-VALUE}).")
    float minScore;

    @Option(
            names = "--relative-threshold",
            paramLabel = "T",
            description = "A label is a tag when its score > min + T * (max - min) of the image's scores "
                    + "(default: the reference's 0.5).")
    Float relativeThreshold;

    @Option(
            names = "--layers",
            paramLabel = "VOTE,FROM,DROP",
            description = "TagCLIP layer parameters for a model other than ViT-B/16: the vote's minimum layer count, "
                    + "the first refinement layer (0-based) and how many last layers refinement leaves out "
                    + "(reference: 4,8,1 for 12 layers).")
    String layers;

    @Option(
            names = "--patch-size",
            paramLabel = "P",
            description = "TagCLIP patch size; must be the model's (reference: 16).")
    Integer patchSize;

    @Option(
            names = "--cwr-size",
            paramLabel = "S",
            description = "Side of TagCLIP's CWR crops; must be the model's image size (reference: 224).")
    Integer cwrSize;

    @Parameters(
            arity = "1..*",
            paramLabel = "IMAGE_OR_DIR",
            description = "Image files, or directories whose image files (jpg, jpeg, png, gif, bmp, webp) are tagged "
                    + "in name order.")
    List<Path> inputs;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (masksDir != null && model.method() != Method.TAGCLIP) {
            throw new IllegalArgumentException(
                    "--masks needs --method tagclip; " + model.method() + " segments nothing");
        }
        if (boxes && model.method() != Method.TAGCLIP) {
            throw new IllegalArgumentException(
                    "--boxes needs --method tagclip; " + model.method() + " locates nothing");
        }
        List<Path> files = ImageFiles.expand(inputs);
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no image files in " + inputs);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ImageFiles images = new ImageFiles();
        int failures = 0;
        Progress.Style style = progress.style();
        boolean withBoxes = boxes || overlayDir != null && model.method() == Method.TAGCLIP;
        Overlays overlays = overlayDir == null ? null : new Overlays(overlayDir);
        MaskFiles maskFiles = masksDir == null ? null : new MaskFiles(masksDir);
        try (ModelOptions.Session session = model.open(params(), decision(), withBoxes, err, style);
                Progress shown = new Progress("tag", "images", files.size(), err, style)) {
            checkLabels(session);
            OverlayRenderer renderer = new OverlayRenderer(session.vocabulary().labels());
            TaggingPipeline pipeline = maskFiles == null
                    ? session.pipeline()
                    : session.withMasks(Vocabularies.of(List.of(session.vocabulary())));
            int batch = model.batch();
            for (int from = 0; from < files.size(); from += batch) {
                List<Path> chunk = files.subList(from, Math.min(files.size(), from + batch));
                List<Path> decoded = new ArrayList<>(chunk.size());
                List<RgbImage> pixels = new ArrayList<>(chunk.size());
                List<ImageRequest> requests = new ArrayList<>(chunk.size());
                for (Path file : chunk) {
                    try {
                        RgbImage image = images.decode(file);
                        decoded.add(file);
                        pixels.add(image);
                        requests.add(new ImageRequest(file.toString(), image, null, labels()));
                    } catch (IOException e) {
                        shown.println("tagclip: " + e.getMessage());
                        failures++;
                    }
                }
                if (requests.isEmpty()) {
                    shown.advance(chunk.size());
                    continue;
                }
                List<TagResult> results = pipeline.tag(requests); // closed with the session
                for (int i = 0; i < results.size(); i++) {
                    if (results.get(i) instanceof TagResult.Tagged tagged) {
                        Path overlay = overlays == null
                                ? null
                                : overlays.write(renderer, decoded.get(i), pixels.get(i), tagged);
                        if (maskFiles != null) {
                            maskFiles.write(
                                    decoded.get(i), pixels.get(i), tagged.tags(), session.vocabulary(), renderer);
                        }
                        out.println(json(decoded.get(i), tagged, overlay));
                    } else if (results.get(i) instanceof TagResult.Failed failed) {
                        shown.println("tagclip: " + decoded.get(i) + ": " + failed.message());
                        failures++;
                    }
                }
                out.flush();
                shown.advance(chunk.size());
            }
        }
        if (failures > 0) {
            err.println("tagclip: " + failures + " of " + files.size() + " images failed");
            err.flush();
            return Main.EXIT_FAILED;
        }
        return 0;
    }

    private List<String> labels() {
        return labels == null ? List.of() : labels;
    }

    private DecisionOptions decision() {
        check(minScore >= 0f && minScore <= 1f, "--min-score must be in [0,1]", minScore);
        check(topK >= 0, "--top-k must not be negative", topK);
        return new DecisionOptions(minScore, topK);
    }

    /** The reference's constants with this command's changes; a bad value is refused naming its option. */
    private TagClipParams params() {
        TagClipParams r = TagClipParams.REFERENCE;
        float threshold = r.tagRelativeThreshold();
        if (relativeThreshold != null) {
            check(
                    relativeThreshold >= 0f && relativeThreshold <= 1f,
                    "--relative-threshold must be in [0,1]",
                    relativeThreshold);
            threshold = relativeThreshold;
        }
        int vote = r.voteMinLayers();
        int from = r.refineFromLayer();
        int drop = r.refineDropLastLayers();
        if (layers != null) {
            String[] parts = layers.split(",");
            try {
                if (parts.length != 3) {
                    throw new NumberFormatException();
                }
                vote = Integer.parseInt(parts[0].trim());
                from = Integer.parseInt(parts[1].trim());
                drop = Integer.parseInt(parts[2].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "--layers takes VOTE,FROM,DROP (three integers), got '" + layers + "'");
            }
        }
        check(vote >= 1, "--layers: VOTE must be at least 1", layers);
        check(from >= 0 && drop >= 0, "--layers: FROM and DROP must not be negative", layers);
        int patch = patchSize == null ? r.patchSize() : patchSize;
        int cwr = cwrSize == null ? r.cwrInputSize() : cwrSize;
        check(patch >= 1, "--patch-size must be positive", patch);
        check(cwr >= 1 && cwr % patch == 0, "--cwr-size must be a positive multiple of the patch size " + patch, cwr);
        return r.withTagRelativeThreshold(threshold)
                .withLayers(vote, from, drop)
                .withSizes(patch, cwr);
    }

    private static void check(boolean valid, String rule, Object value) {
        if (!valid) {
            throw new IllegalArgumentException(rule + ", got " + value);
        }
    }

    /** Fails before any image is tagged when {@code --labels} names a label the vocabulary lacks. */
    private void checkLabels(ModelOptions.Session session) {
        for (String label : labels()) {
            if (session.vocabulary().indexOf(label) < 0) {
                throw new IllegalArgumentException("label '" + label + "' is not in vocabulary '"
                        + session.vocabulary().id() + "'");
            }
        }
    }

    /** One output line; floats are written as the shortest decimal that reads back to the same float32. */
    static String json(Path image, TagResult.Tagged result) {
        return json(image, result, null);
    }

    /** {@link #json(Path, TagResult.Tagged)} naming the overlay file written for the image, when there is one. */
    static String json(Path image, TagResult.Tagged result, Path overlay) {
        ObjectNode line = JSON.createObjectNode();
        line.put("image", image.toString());
        if (overlay != null) {
            line.put("overlay", overlay.toString());
        }
        ObjectNode scores = line.putObject("scores");
        for (Map.Entry<String, Float> score : result.scores().entrySet()) {
            scores.put(score.getKey(), score.getValue().floatValue());
        }
        ArrayNode tags = line.putArray("tags");
        for (Tag tag : result.tags()) {
            ObjectNode t = tags.addObject();
            t.put("label", tag.label());
            t.put("score", tag.score());
            Box box = tag.box();
            if (box != null) {
                t.putArray("box").add(box.x0()).add(box.y0()).add(box.x1()).add(box.y1());
            }
            Mask mask = tag.mask();
            if (mask != null) {
                ObjectNode m = t.putObject("mask");
                m.putArray("size").add(mask.height()).add(mask.width());
                m.put("counts", mask.counts());
                m.put("coverage", mask.coverage());
            }
        }
        try {
            return JSON.writeValueAsString(line);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Overlay files of one run: {@code <name>.overlay.png} in the folder, numbered when two images share a name. */
    private static final class Overlays {
        private final OutputFolder folder;

        Overlays(Path folder) {
            this.folder = new OutputFolder(folder, "--overlay");
        }

        Path write(OverlayRenderer renderer, Path image, RgbImage pixels, TagResult.Tagged tagged) {
            Path file = folder.path().resolve(folder.stem(image) + ".overlay.png");
            try {
                renderer.write(pixels, tagged.tags(), file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write overlay " + file + ": " + e.getMessage(), e);
            }
            return file;
        }
    }
}
