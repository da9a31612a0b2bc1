package io.tagclip.report;

import io.tagclip.eval.EvaluationReport;
import io.tagclip.eval.EvaluationResult;
import io.tagclip.eval.MultiLabelMetrics;
import io.tagclip.eval.PrecisionRecallCurve;
import io.tagclip.eval.ScoredEvaluation;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.geom.Ellipse2D;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.statistics.HistogramDataset;
import org.jfree.data.statistics.HistogramType;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Writes one evaluation as an HTML page a person can read: the run's provenance, the summary numbers (mAP, F1/P/R,
 * TP/FP/FN), per-class AP as bars, precision-recall curves of the worst and the best classes, the score histograms of
 * positive and negative image×class pairs, and the per-class table. The charts are PNG files beside the page and also
 * embedded in it, so {@code index.html} alone is the whole report; {@code metrics.json} holds the same numbers as
 * {@code eval --json}.
 *
 * <p>Every number is the {@link MultiLabelMetrics} value of the result, printed as {@code eval} prints it (percent,
 * two decimals); each cell also carries the exact value in {@code data-value}.
 */
public final class EvaluationPage {

    /** The page. */
    public static final String PAGE = "index.html";

    /** Charts and data beside it. */
    public static final String AP_CHART = "ap-per-class.png";

    public static final String BEST_CHART = "pr-best.png";
    public static final String WORST_CHART = "pr-worst.png";
    public static final String HISTOGRAM_CHART = "score-histogram.png";
    public static final String METRICS_JSON = "metrics.json";

    /** Classes per precision-recall chart: three curves stay apart; more tangle on small splits. */
    static final int CURVES_PER_CHART = 3;

    /** Bins of the score histograms over [0, 1]: 0.05 wide, fine enough to show where the threshold falls. */
    private static final int HISTOGRAM_BINS = 20;

    /** Chart width in pixels: fits a laptop screen beside nothing else. */
    private static final int WIDTH = 900;

    /** Height of the curve and histogram charts. */
    private static final int HEIGHT = 480;

    /** Height per class of the AP bar chart, and its fixed part (title, axis, margins). */
    private static final int BAR_HEIGHT = 18;

    private static final int BAR_CHART_FRAME = 120;

    /** Colours of the positive and negative histograms: a blue/orange pair colour-blind readers can tell apart. */
    private static final Color POSITIVE = new Color(0x0072B2);

    private static final Color NEGATIVE = new Color(0xE69F00);

    /** Line width of a precision-recall curve, and the diameter of its points. */
    private static final float CURVE_STROKE = 2.5f;

    private static final double POINT = 7;

    /** Opacity of the histograms, so that where they overlap both show. */
    private static final float HISTOGRAM_ALPHA = 0.6f;

    private EvaluationPage() {}

    /**
     * Writes the report into {@code folder} (created when missing; files of an earlier report are replaced).
     *
     * @param classNames the vocabulary's labels in class order
     * @param about      what ran, shown at the top in this order (method, model, vocabulary, ...)
     * @return the page
     */
    public static Path write(ScoredEvaluation run, List<String> classNames, Map<String, String> about, Path folder)
            throws IOException {
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(about, "about");
        MultiLabelMetrics m = run.result().metrics();
        if (classNames.size() != m.perClassAp().size()) {
            throw new IllegalArgumentException("got " + classNames.size() + " class names for "
                    + m.perClassAp().size() + " classes");
        }
        Files.createDirectories(folder);
        List<Integer> ranked = new ArrayList<>(m.classesWithPositives());
        ranked.sort(Comparator.comparingDouble((Integer k) -> m.perClassAp().get(k))
                .reversed()
                .thenComparing(Comparator.naturalOrder()));
        List<Integer> best = ranked.subList(0, Math.min(CURVES_PER_CHART, ranked.size()));
        List<Integer> worst =
                new ArrayList<>(ranked.subList(Math.max(0, ranked.size() - CURVES_PER_CHART), ranked.size()));
        worst.sort(Comparator.comparingDouble((Integer k) -> m.perClassAp().get(k))
                .thenComparing(Comparator.naturalOrder()));

        byte[] ap = png(apChart(m, classNames), WIDTH, BAR_CHART_FRAME + BAR_HEIGHT * classNames.size());
        byte[] bestCurves = png(curveChart("Precision-recall: best classes", run, best, classNames), WIDTH, HEIGHT);
        byte[] worstCurves = png(curveChart("Precision-recall: worst classes", run, worst, classNames), WIDTH, HEIGHT);
        byte[] histogram = png(histogramChart(run), WIDTH, HEIGHT);
        Files.write(folder.resolve(AP_CHART), ap);
        Files.write(folder.resolve(BEST_CHART), bestCurves);
        Files.write(folder.resolve(WORST_CHART), worstCurves);
        Files.write(folder.resolve(HISTOGRAM_CHART), histogram);
        Files.writeString(
                folder.resolve(METRICS_JSON),
                EvaluationReport.toJson(run.result(), classNames),
                StandardCharsets.UTF_8);

        StringBuilder html = new StringBuilder(
                16_384 + (ap.length + bestCurves.length + worstCurves.length + histogram.length) * 4 / 3);
        EvaluationResult result = run.result();
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>TagCLIP evaluation: ")
                .append(escape(result.method()))
                .append(" on ")
                .append(escape(result.split()))
                .append("</title>\n<style>\n")
                .append(STYLE)
                .append("</style>\n")
                .append("</head>\n<body>\n<h1>Evaluation: ")
                .append(escape(result.method()))
                .append("</h1>\n");
        html.append("<table class=\"about\">\n");
        for (Map.Entry<String, String> entry : about.entrySet()) {
            row(html, entry.getKey(), escape(entry.getValue()));
        }
        row(html, "split", escape(result.split()) + " (" + result.images() + " images)");
        html.append("</table>\n");

        html.append("<h2>Summary</h2>\n<table class=\"numbers\" id=\"summary\">\n");
        metric(
                html,
                "mAP",
                "mAP",
                m.map(),
                percent(m.map()),
                "mean over all " + classNames.size() + " classes; classes without positives count 0 (reference)");
        metric(
                html,
                "mAP_classes_with_positives",
                "mAP (positives)",
                m.mapOverClassesWithPositives(),
                percent(m.mapOverClassesWithPositives()),
                "over the " + m.classesWithPositives().size() + " classes with positives");
        metric(html, "F1", "F1", m.f1(), percent(m.f1()), "overall, at relative threshold " + m.relativeThreshold());
        metric(html, "P", "precision", m.precision(), percent(m.precision()), "TP / (TP + FP)");
        metric(html, "R", "recall", m.recall(), percent(m.recall()), "TP / (TP + FN)");
        metric(html, "TP", "TP", m.truePositives(), Long.toString(m.truePositives()), "image×class pairs");
        metric(html, "FP", "FP", m.falsePositives(), Long.toString(m.falsePositives()), "image×class pairs");
        metric(html, "FN", "FN", m.falseNegatives(), Long.toString(m.falseNegatives()), "image×class pairs");
        metric(
                html,
                "images_per_second",
                "speed",
                result.imagesPerSecond(),
                String.format(Locale.ROOT, "%.2f images/s", result.imagesPerSecond()),
                String.format(
                        Locale.ROOT, "%d images in %.1f s, text features excluded", result.images(), result.seconds()));
        html.append("</table>\n<p class=\"note\">A pair is predicted positive when its score is above min + ")
                .append(m.relativeThreshold())
                .append(" · (max − min) of its image's scores.</p>\n");

        figure(
                html,
                "Average precision per class",
                AP_CHART,
                ap,
                "Classes by AP, highest first; the number in brackets is the class's positive images.");
        figure(
                html,
                "Precision-recall, best classes",
                BEST_CHART,
                bestCurves,
                "The " + best.size() + " classes with the highest AP among those with positives.");
        figure(
                html,
                "Precision-recall, worst classes",
                WORST_CHART,
                worstCurves,
                "The " + worst.size() + " classes with the lowest AP among those with positives.");
        figure(
                html,
                "Score histograms",
                HISTOGRAM_CHART,
                histogram,
                "Scores of all image×class pairs, positives and negatives apart, each as a share of its own pairs.");

        html.append("<h2>Per class</h2>\n<table class=\"numbers\" id=\"per-class\">\n")
                .append("<tr><th>#</th><th>class</th><th>positives</th><th>AP</th></tr>\n");
        for (int k = 0; k < classNames.size(); k++) {
            double value = m.perClassAp().get(k);
            html.append("<tr><td>")
                    .append(k)
                    .append("</td><td>")
                    .append(escape(classNames.get(k)))
                    .append("</td><td>")
                    .append(m.positivesPerClass().get(k))
                    .append("</td><td data-class=\"")
                    .append(k)
                    .append("\" data-value=\"")
                    .append(exact(value))
                    .append("\">")
                    .append(percent(value))
                    .append("</td></tr>\n");
        }
        html.append("</table>\n<p class=\"note\">The same numbers as JSON: <a href=\"")
                .append(METRICS_JSON)
                .append("\">")
                .append(METRICS_JSON)
                .append("</a>.</p>\n</body>\n</html>\n");
        Path page = folder.resolve(PAGE);
        Files.writeString(page, html, StandardCharsets.UTF_8);
        return page;
    }

    private static final String STYLE = """
            body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 960px; color: #222; }
            table { border-collapse: collapse; margin: 0.5em 0 1em; }
            td, th { padding: 0.2em 0.8em; border-bottom: 1px solid #ddd; text-align: left; }
            table.numbers td[data-value] { text-align: right; font-variant-numeric: tabular-nums; }
            table.about td:first-child, table.numbers td:first-child { color: #555; }
            figure { margin: 1.5em 0; }
            figure img { max-width: 100%; border: 1px solid #ddd; }
            figcaption, .note { color: #555; font-size: 0.9em; }
            """;

    private static JFreeChart apChart(MultiLabelMetrics m, List<String> classNames) {
        List<Integer> order = new ArrayList<>();
        for (int k = 0; k < classNames.size(); k++) {
            order.add(k);
        }
        order.sort(Comparator.comparingDouble((Integer k) -> m.perClassAp().get(k))
                .reversed()
                .thenComparing(Comparator.naturalOrder()));
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (int k : order) {
            data.addValue(
                    100 * m.perClassAp().get(k),
                    "AP",
                    classNames.get(k) + " (" + m.positivesPerClass().get(k) + ")");
        }
        JFreeChart chart = ChartFactory.createBarChart(
                String.format(Locale.ROOT, "AP per class (mAP %s over all classes)", percent(m.map())),
                null,
                "AP (%)",
                data,
                PlotOrientation.HORIZONTAL,
                false,
                false,
                false);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        ((NumberAxis) plot.getRangeAxis()).setRange(0, 100);
        BarRenderer renderer = (BarRenderer) plot.getRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setSeriesPaint(0, POSITIVE);
        renderer.setMaximumBarWidth(0.8);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    private static JFreeChart curveChart(
            String title, ScoredEvaluation run, List<Integer> classes, List<String> classNames) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (int k : classes) {
            PrecisionRecallCurve curve = run.curve(k);
            XYSeries series = new XYSeries(
                    classNames.get(k) + " ("
                            + run.result().metrics().positivesPerClass().get(k) + " positives)  AP "
                            + percent(run.result().perClassAp().get(k)),
                    false,
                    true);
            for (int r = 0; r < curve.recall().length; r++) {
                series.add(curve.recall()[r], curve.precision()[r]);
            }
            data.addSeries(series);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(
                title, "recall", "precision", data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        ((NumberAxis) plot.getDomainAxis()).setRange(0, 1.02);
        ((NumberAxis) plot.getRangeAxis()).setRange(0, 1.02);
        // One point per cut-off of the ranking, joined: each class in its overlay colour on every chart.
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        OverlayRenderer colours = new OverlayRenderer(classNames);
        for (int i = 0; i < classes.size(); i++) {
            renderer.setSeriesStroke(i, new BasicStroke(CURVE_STROKE));
            renderer.setSeriesPaint(i, colours.colour(classNames.get(classes.get(i))));
            renderer.setSeriesShape(i, new Ellipse2D.Double(-POINT / 2, -POINT / 2, POINT, POINT));
        }
        plot.setRenderer(renderer);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    private static JFreeChart histogramChart(ScoredEvaluation run) {
        List<Double> positives = new ArrayList<>();
        List<Double> negatives = new ArrayList<>();
        for (int i = 0; i < run.scores().length; i++) {
            for (int k = 0; k < run.scores()[i].length; k++) {
                (run.labels()[i][k] ? positives : negatives).add((double) run.scores()[i][k]);
            }
        }
        HistogramDataset data = new HistogramDataset();
        data.setType(HistogramType.RELATIVE_FREQUENCY);
        if (!positives.isEmpty()) {
            data.addSeries("positives (" + positives.size() + " pairs)", unbox(positives), HISTOGRAM_BINS, 0, 1);
        }
        if (!negatives.isEmpty()) {
            data.addSeries("negatives (" + negatives.size() + " pairs)", unbox(negatives), HISTOGRAM_BINS, 0, 1);
        }
        JFreeChart chart = ChartFactory.createHistogram(
                "Scores of positive and negative pairs",
                "score",
                "share of the series' pairs",
                data,
                PlotOrientation.VERTICAL,
                true,
                false,
                false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setForegroundAlpha(HISTOGRAM_ALPHA);
        ((NumberAxis) plot.getDomainAxis()).setRange(0, 1);
        XYBarRenderer renderer = (XYBarRenderer) plot.getRenderer();
        renderer.setBarPainter(new StandardXYBarPainter());
        renderer.setShadowVisible(false);
        int series = 0;
        if (!positives.isEmpty()) {
            renderer.setSeriesPaint(series++, POSITIVE);
        }
        if (!negatives.isEmpty()) {
            renderer.setSeriesPaint(series, NEGATIVE);
        }
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    private static double[] unbox(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static byte[] png(JFreeChart chart, int width, int height) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ChartUtils.writeChartAsPNG(out, chart, width, height);
        return out.toByteArray();
    }

    private static void figure(StringBuilder html, String title, String file, byte[] png, String caption) {
        html.append("<figure>\n<h2>")
                .append(escape(title))
                .append("</h2>\n<img alt=\"")
                .append(escape(title))
                .append("\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(png))
                .append("\">\n<figcaption>")
                .append(escape(caption))
                .append(" (<a href=\"")
                .append(file)
                .append("\">")
                .append(file)
                .append("</a>)</figcaption>\n</figure>\n");
    }

    private static void row(StringBuilder html, String key, String value) {
        html.append("<tr><td>")
                .append(escape(key))
                .append("</td><td>")
                .append(value)
                .append("</td></tr>\n");
    }

    private static void metric(
            StringBuilder html, String key, String name, double value, String shown, String meaning) {
        html.append("<tr><td>")
                .append(escape(name))
                .append("</td><td data-metric=\"")
                .append(key)
                .append("\" data-value=\"")
                .append(exact(value))
                .append("\">")
                .append(escape(shown))
                .append("</td><td>")
                .append(escape(meaning))
                .append("</td></tr>\n");
    }

    /** A double as Java prints it (it reads back to the same double); NaN as {@code NaN}. */
    private static String exact(double value) {
        return Double.isFinite(value) && value == Math.rint(value) && Math.abs(value) < 1e15
                ? Long.toString((long) value)
                : Double.toString(value);
    }

    /** As {@code eval}'s text output prints it. */
    static String percent(double value) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%.2f%%", 100 * value) : "n/a";
    }

    static String escape(String text) {
        StringBuilder s = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> s.append("&lt;");
                case '>' -> s.append("&gt;");
                case '&' -> s.append("&amp;");
                case '"' -> s.append("&quot;");
                case '\'' -> s.append("&#39;");
                default -> s.append(c);
            }
        }
        return s.toString();
    }
}
