package io.tagclip.eval;

import java.util.List;
import java.util.Locale;

/**
 * Formats an {@link EvaluationResult} as a small, stable JSON document (two-space indent, keys in a fixed order,
 * NaN written as {@code null}). Numbers are printed with enough digits to round-trip a double.
 */
public final class EvaluationReport {

    /** What {@code mAP} averages over, written into every report so the number is never read the wrong way. */
    static final String MAP_DEFINITION =
            "mean over all classes; classes without positive images count as AP 0 (reference compute_AP)";

    /** What {@code mAP_classes_with_positives} averages over. */
    static final String MAP_POSITIVES_DEFINITION = "mean over the classes with at least one positive image";

    private EvaluationReport() {}

    /**
     * The result as JSON.
     *
     * @param classNames the dataset's class names in class order, or an empty list to report indices only
     */
    public static String toJson(EvaluationResult result, List<String> classNames) {
        MultiLabelMetrics m = result.metrics();
        int numClasses = m.perClassAp().size();
        if (!classNames.isEmpty() && classNames.size() != numClasses) {
            throw new IllegalArgumentException(
                    "got " + classNames.size() + " class names for " + numClasses + " classes");
        }
        StringBuilder json = new StringBuilder(256 + 96 * numClasses);
        json.append("{\n");
        field(json, "method", string(result.method()));
        field(json, "split", string(result.split()));
        field(json, "images", Integer.toString(result.images()));
        field(json, "classes", Integer.toString(numClasses));
        field(json, "seconds", number(result.seconds()));
        field(json, "images_per_second", number(result.imagesPerSecond()));
        field(json, "cpu_seconds", number(result.cpuSeconds()));
        field(json, "mAP", number(m.map()));
        field(json, "mAP_definition", string(MAP_DEFINITION));
        field(json, "mAP_classes_with_positives", number(m.mapOverClassesWithPositives()));
        field(json, "mAP_classes_with_positives_definition", string(MAP_POSITIVES_DEFINITION));
        field(json, "relative_threshold", number(m.relativeThreshold()));
        field(json, "F1", number(m.f1()));
        field(json, "P", number(m.precision()));
        field(json, "R", number(m.recall()));
        field(json, "TP", Long.toString(m.truePositives()));
        field(json, "FP", Long.toString(m.falsePositives()));
        field(json, "FN", Long.toString(m.falseNegatives()));
        json.append("  \"per_class\": [");
        for (int k = 0; k < numClasses; k++) {
            json.append(k == 0 ? "\n" : ",\n").append("    {\"index\": ").append(k);
            if (!classNames.isEmpty()) {
                json.append(", \"name\": ").append(string(classNames.get(k)));
            }
            json.append(", \"positives\": ")
                    .append(m.positivesPerClass().get(k))
                    .append(", \"AP\": ")
                    .append(number(m.perClassAp().get(k)))
                    .append('}');
        }
        json.append(numClasses == 0 ? "]\n" : "\n  ]\n").append("}\n");
        return json.toString();
    }

    private static void field(StringBuilder json, String key, String value) {
        json.append("  ").append(string(key)).append(": ").append(value).append(",\n");
    }

    private static String number(double value) {
        if (!Double.isFinite(value)) {
            return "null";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        return Double.toString(value);
    }

    private static String string(String value) {
        StringBuilder quoted = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\r' -> quoted.append("\\r");
                case '\t' -> quoted.append("\\t");
                default -> {
                    if (c < 0x20) {
                        quoted.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }
}
