package io.tagclip.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tagclip.eval.EvaluationReport;
import io.tagclip.eval.EvaluationResult;
import io.tagclip.eval.Evaluator;
import io.tagclip.eval.ImageScorer;
import io.tagclip.eval.MultiLabelMetrics;
import io.tagclip.eval.ScoredEvaluation;
import io.tagclip.eval.SplitFile;
import io.tagclip.inference.PipelineImageScorer;
import io.tagclip.pipeline.Method;
import io.tagclip.report.EvaluationPage;
import io.tagclip.vocab.Vocabulary;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tagclip eval}: scores every image of a split with the chosen method and prints the reference's metrics:
 * mAP over all classes (classes without positives count 0), mAP over classes with positives, per-class AP, overall
 * F1/P/R at the relative threshold 0.5, and images per second (text features excluded: they are computed before the
 * clock starts).
 */
@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Evaluate a method on a labelled split (the TagCLIP reference's split format and metrics).")
final class EvalCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    ModelOptions model;

    @Mixin
    SplitImages images;

    @Option(
            names = "--split",
            required = true,
            paramLabel = "FILE",
            description = "Split file: one image per line, '<id> <class_index> ...' (0-based, vocabulary order).")
    Path split;

    @Option(names = "--json", description = "Print the result as JSON instead of text.")
    boolean json;

    @Option(
            names = "--report",
            paramLabel = "DIR",
            description = "Also write DIR/index.html: the same numbers with per-class AP bars, precision-recall "
                    + "curves of the worst and best classes and score histograms (PNG files beside it).")
    Path report;

    @Mixin
    Progress.Choice progress;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        images.check();
        PathOptions.exists("--split", split);
        model.checkPaths();
        PrintWriter out = spec.commandLine().getOut();
        Progress.Style style = progress.style();
        ImageFiles files = new ImageFiles();
        try (ModelOptions.Session session =
                model.openReference(spec.commandLine().getErr(), style)) {
            Vocabulary vocabulary = session.vocabulary();
            SplitFile all = SplitFile.read(split, vocabulary.numClasses());
            SplitFile entries = new SplitFile(all.source(), all.numClasses(), images.first(all.entries()));
            session.pipeline().warmUp(); // text features now, outside the timed loop
            ImageScorer pipelineScorer = new PipelineImageScorer(session.pipeline(), vocabulary, files::decode);
            ScoredEvaluation scored;
            try (Progress shown = new Progress(
                    "eval", "images", entries.size(), spec.commandLine().getErr(), style)) {
                ImageScorer scorer = batch -> {
                    List<float[]> scores = pipelineScorer.score(batch);
                    shown.advance(batch.size());
                    return scores;
                };
                scored = new Evaluator(session.method().id(), scorer, model.batch())
                        .evaluateScored(entries, images.folder());
            }
            EvaluationResult result = scored.result();
            Path page = report == null
                    ? null
                    : EvaluationPage.write(scored, session.vocabulary().labels(), about(session), report);
            out.print(json ? json(result, session) : text(result, session));
            if (page != null && !json) {
                out.printf(Locale.ROOT, "%-16s %s%n", "report", page);
            }
            out.flush();
        }
        return 0;
    }

    /** What ran, for the top of the report. */
    private static Map<String, String> about(ModelOptions.Session session) {
        Map<String, String> about = new LinkedHashMap<>();
        about.put("method", session.method().id() + " (" + mode(session) + " mode)");
        about.put("model", session.model().modelId() + " @ " + session.model().revision());
        about.put(
                "vocabulary",
                session.vocabulary().id() + " (version " + session.vocabulary().version() + ", "
                        + session.vocabulary().numClasses() + " classes)");
        return about;
    }

    private static String json(EvaluationResult result, ModelOptions.Session session) throws IOException {
        ObjectNode report = (ObjectNode) JSON.readTree(
                EvaluationReport.toJson(result, session.vocabulary().labels()));
        ObjectNode described = JSON.createObjectNode();
        described.put("method", result.method());
        described.put("mode", mode(session));
        described.put("model", session.model().modelId());
        described.put("model_revision", session.model().revision());
        described.put("vocabulary", session.vocabulary().id());
        described.put("vocabulary_version", session.vocabulary().version());
        described.setAll(report);
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(described) + System.lineSeparator();
    }

    private static String text(EvaluationResult result, ModelOptions.Session session) {
        MultiLabelMetrics m = result.metrics();
        List<String> labels = session.vocabulary().labels();
        StringBuilder s = new StringBuilder();
        line(s, "method", result.method() + " (" + mode(session) + " mode)");
        line(s, "model", session.model().modelId() + " @ " + session.model().revision());
        line(s, "vocabulary", session.vocabulary().id() + " (" + labels.size() + " classes)");
        line(s, "split", result.split() + " (" + result.images() + " images)");
        line(
                s,
                "mAP",
                percent(m.map()) + "  over all " + labels.size()
                        + " classes; classes without positives count 0 (reference)");
        line(
                s,
                "mAP (positives)",
                percent(m.mapOverClassesWithPositives()) + "  over the "
                        + m.classesWithPositives().size() + " classes with positives");
        line(
                s,
                "F1 / P / R",
                percent(m.f1()) + " / " + percent(m.precision()) + " / " + percent(m.recall())
                        + "  at relative threshold " + m.relativeThreshold());
        line(
                s,
                "speed",
                String.format(
                        Locale.ROOT,
                        "%.2f images/s (%d images in %.1f s, %.1f CPU s per image, text features excluded)",
                        result.imagesPerSecond(),
                        result.images(),
                        result.seconds(),
                        result.cpuSecondsPerImage()));
        s.append("per-class AP (positives):\n");
        int width = labels.stream().mapToInt(String::length).max().orElse(0);
        for (int c = 0; c < labels.size(); c++) {
            s.append(String.format(
                    Locale.ROOT,
                    "  %-" + width + "s  %6s  (%d)%n",
                    labels.get(c),
                    percent(m.perClassAp().get(c)),
                    m.positivesPerClass().get(c)));
        }
        return s.toString();
    }

    private static String mode(ModelOptions.Session session) {
        return session.method() == Method.TAGCLIP ? session.mode().name().toLowerCase(Locale.ROOT) : "whole image";
    }

    /** One {@code key value} row of a text report, keys aligned. */
    static void line(StringBuilder s, String key, String value) {
        s.append(String.format(Locale.ROOT, "%-16s %s%n", key, value));
    }

    /** A share as a percentage with two decimals, {@code n/a} when it is not a number. */
    static String percent(double value) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%.2f%%", 100 * value) : "n/a";
    }
}
