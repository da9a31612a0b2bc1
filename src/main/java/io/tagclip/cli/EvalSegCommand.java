package io.tagclip.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tagclip.eval.EvaluationException;
import io.tagclip.eval.ImageFolder;
import io.tagclip.eval.LabelMap;
import io.tagclip.eval.SegmentationMetrics;
import io.tagclip.eval.SplitEntry;
import io.tagclip.eval.SplitFile;
import io.tagclip.image.RgbImage;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.Method;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tagclip eval-seg}: classify, then segment every image of a split (TagCLIP's tags, then CLIP-ES masks, as
 * {@code tag --masks} does) and score the label maps against ground-truth PNGs by {@code eval_cam.py}'s rule
 * ({@link SegmentationMetrics}): mIoU over the classes present in the ground truth, per-class IoU, pixel accuracy.
 */
@Command(
        name = "eval-seg",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Evaluate classify-then-segment masks on a split with ground-truth label maps (mIoU as "
                + "CLIP-ES's eval_cam.py computes it).")
final class EvalSegCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Name of class 0 of every label map. */
    private static final String BACKGROUND = "background";

    @Mixin
    ModelOptions model;

    @Mixin
    SplitImages images;

    @Option(
            names = "--gt",
            required = true,
            paramLabel = "DIR",
            description = "Folder holding <id>.png per id: one band (grey, or palette indices as VOC's "
                    + "SegmentationClass), 0 background, 1 + class index, 255 ignored.")
    Path groundTruth;

    @Option(
            names = "--split",
            required = true,
            paramLabel = "FILE",
            description = "One image per line; the first token is its id (VOC's ImageSets/Segmentation/val.txt, or "
                    + "a classification split whose class indices are ignored).")
    Path split;

    @Option(names = "--json", description = "Print the result as JSON instead of text.")
    boolean json;

    @Mixin
    Progress.Choice progress;

    @Spec
    CommandSpec spec;

    private final ImageFiles files = new ImageFiles();

    @Override
    public Integer call() throws IOException {
        if (model.method() != Method.TAGCLIP) {
            throw new IllegalArgumentException(
                    "eval-seg segments TagCLIP's tags: it needs --method tagclip, got " + model.method());
        }
        images.check();
        PathOptions.folder("--gt", groundTruth);
        PathOptions.exists("--split", split);
        model.checkPaths();
        PrintWriter out = spec.commandLine().getOut();
        Progress.Style style = progress.style();
        try (ModelOptions.Session session =
                model.openReference(spec.commandLine().getErr(), style)) {
            Vocabulary vocabulary = session.vocabulary();
            List<SplitEntry> entries =
                    SplitFile.read(split, vocabulary.numClasses()).entries();
            if (entries.isEmpty()) {
                throw new EvaluationException("split " + split + " lists no images");
            }
            entries = images.first(entries);
            TaggingPipeline pipeline = session.withMasks(Vocabularies.of(List.of(vocabulary)));
            pipeline.warmUp(); // text features now, outside the timed loop
            SegmentationMetrics metrics = new SegmentationMetrics(1 + vocabulary.numClasses());
            ImageFolder folder = new ImageFolder(images.folder());
            long start = System.nanoTime();
            try (Progress shown = new Progress(
                    "eval-seg", "images", entries.size(), spec.commandLine().getErr(), style)) {
                for (int from = 0; from < entries.size(); from += model.batch()) {
                    List<SplitEntry> chunk = entries.subList(from, Math.min(entries.size(), from + model.batch()));
                    score(pipeline, vocabulary, folder, chunk, metrics);
                    shown.advance(chunk.size());
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            SegmentationMetrics.Result result = metrics.result();
            List<String> classes = new ArrayList<>();
            classes.add(BACKGROUND);
            classes.addAll(vocabulary.labels());
            out.print(
                    json
                            ? json(result, classes, session, entries.size(), seconds)
                            : text(result, classes, session, entries.size(), seconds));
            out.flush();
        }
        return 0;
    }

    /** Tags and segments one chunk of the split and adds its label maps to {@code metrics}. */
    private void score(
            TaggingPipeline pipeline,
            Vocabulary vocabulary,
            ImageFolder folder,
            List<SplitEntry> chunk,
            SegmentationMetrics metrics)
            throws IOException {
        List<ImageRequest> requests = new ArrayList<>(chunk.size());
        for (SplitEntry entry : chunk) {
            RgbImage image = files.decode(folder.resolve(entry.imageId()));
            requests.add(ImageRequest.of(entry.imageId(), image));
        }
        List<TagResult> results = pipeline.tag(requests);
        for (int i = 0; i < results.size(); i++) {
            if (results.get(i) instanceof TagResult.Failed failed) {
                throw new EvaluationException("image " + failed.id() + ": " + failed.message());
            }
            TagResult.Tagged tagged = (TagResult.Tagged) results.get(i);
            RgbImage image = requests.get(i).image();
            byte[] predicted = MaskFiles.labelMap(tagged.tags(), vocabulary, image.height(), image.width());
            int[] labels = new int[predicted.length];
            for (int p = 0; p < labels.length; p++) {
                labels[p] = predicted[p] & 0xFF;
            }
            Path truth = groundTruth.resolve(tagged.id() + ".png");
            metrics.add(truth.toString(), LabelMap.read(truth), new LabelMap(image.width(), image.height(), labels));
        }
    }

    private String json(
            SegmentationMetrics.Result result,
            List<String> classes,
            ModelOptions.Session session,
            int imageCount,
            double seconds)
            throws JsonProcessingException {
        ObjectNode node = JSON.createObjectNode();
        node.put("method", "tagclip+cls-seg");
        node.put("mode", session.mode().name().toLowerCase(Locale.ROOT));
        node.put("model", session.model().modelId());
        node.put("model_revision", session.model().revision());
        node.put("vocabulary", session.vocabulary().id());
        node.put("vocabulary_version", session.vocabulary().version());
        node.put("split", split.toString());
        node.put("images", imageCount);
        node.put("mean_iou", result.meanIou());
        node.put("pixel_accuracy", result.pixelAccuracy());
        ObjectNode perClass = node.putObject("per_class_iou");
        for (int c = 0; c < classes.size(); c++) {
            if (result.valid()[c]) {
                perClass.put(classes.get(c), result.iou()[c]);
            }
        }
        node.put("seconds", seconds);
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node) + System.lineSeparator();
    }

    private String text(
            SegmentationMetrics.Result result,
            List<String> classes,
            ModelOptions.Session session,
            int imageCount,
            double seconds) {
        StringBuilder s = new StringBuilder();
        EvalCommand.line(
                s,
                "method",
                "tagclip, then CLS-SEG masks (" + session.mode().name().toLowerCase(Locale.ROOT) + " mode)");
        EvalCommand.line(
                s, "model", session.model().modelId() + " @ " + session.model().revision());
        EvalCommand.line(
                s, "vocabulary", session.vocabulary().id() + " (" + (classes.size() - 1) + " classes + background)");
        EvalCommand.line(s, "split", split + " (" + imageCount + " images)");
        int valid = 0;
        for (boolean v : result.valid()) {
            valid += v ? 1 : 0;
        }
        EvalCommand.line(
                s,
                "mIoU",
                EvalCommand.percent(result.meanIou()) + "  over the " + valid + " classes in the ground truth");
        EvalCommand.line(s, "pixel accuracy", EvalCommand.percent(result.pixelAccuracy()));
        EvalCommand.line(
                s,
                "speed",
                String.format(
                        Locale.ROOT, "%.2f images/s (%d images in %.1f s)", imageCount / seconds, imageCount, seconds));
        s.append("per-class IoU (classes in the ground truth):\n");
        int width = classes.stream().mapToInt(String::length).max().orElse(0);
        for (int c = 0; c < classes.size(); c++) {
            if (result.valid()[c]) {
                s.append(String.format(
                        Locale.ROOT,
                        "  %-" + width + "s  %7s%n",
                        classes.get(c),
                        EvalCommand.percent(result.iou()[c])));
            }
        }
        return s.toString();
    }
}
