package io.tagclip.vocab;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The classes TagCLIP scores: dataset classes (reported) followed by background classes (they take part in every
 * softmax and in the CWR candidate threshold, and are never reported), in order. Class index = position.
 *
 * <p>File format (UTF-8 text, one class per line):
 * <pre>
 * # comment; blank lines are ignored
 * cat
 * dining table&lt;TAB&gt;prompt=diningtable
 * person&lt;TAB&gt;prompt=person;people&lt;TAB&gt;threshold=0.3
 * background: sky
 * </pre>
 * A dataset-class line is the label, optionally followed by TAB-separated options: {@code prompt=} the names put into
 * the prompt templates, separated by {@code ;} (default: the label; several names are embedded separately and
 * averaged), {@code threshold=} an absolute tag threshold in [0,1] for this label (default: the relative rule). A line
 * {@code background: NAME} adds a background class. Labels are unique and contain no TAB or {@code ;}.
 *
 * @param id      the vocabulary's name (requests refer to it)
 * @param classes dataset classes, in order
 * @param background background class names, in order
 * @param version first 12 hex digits of the SHA-256 of the canonical content ({@link #canonical()}), so results can
 *                tell vocabularies with the same id but different content apart
 */
public record Vocabulary(String id, List<LabelClass> classes, List<String> background, String version) {

    /**
     * One dataset class.
     *
     * @param label       the reported name
     * @param promptNames names put into the prompt templates (at least one)
     * @param threshold   absolute tag threshold, or {@code NaN} for the relative rule
     */
    public record LabelClass(String label, List<String> promptNames, float threshold) {

        public LabelClass {
            Objects.requireNonNull(label, "label");
            promptNames = List.copyOf(promptNames);
            if (label.isBlank() || promptNames.isEmpty()) {
                throw new IllegalArgumentException("class needs a label and a prompt name, got '" + label + "'");
            }
            if (!Float.isNaN(threshold) && !(threshold >= 0f && threshold <= 1f)) {
                throw new IllegalArgumentException("threshold of '" + label + "' must be in [0,1], got " + threshold);
            }
        }

        public static LabelClass of(String label) {
            return new LabelClass(label, List.of(label), Float.NaN);
        }
    }

    private static final String BACKGROUND_PREFIX = "background:";

    public Vocabulary {
        Objects.requireNonNull(id, "id");
        classes = List.copyOf(classes);
        background = List.copyOf(background);
        if (classes.isEmpty()) {
            throw new VocabularyException("vocabulary '" + id + "' has no dataset class");
        }
        Set<String> seen = new HashSet<>();
        for (LabelClass c : classes) {
            if (!seen.add(c.label())) {
                throw new VocabularyException("vocabulary '" + id + "' repeats label '" + c.label() + "'");
            }
        }
        String expected = ContentHash.of(canonical(classes, background));
        if (version == null) {
            version = expected;
        } else if (!version.equals(expected)) {
            throw new IllegalArgumentException("version " + version + " does not match the content (" + expected + ")");
        }
    }

    public Vocabulary(String id, List<LabelClass> classes, List<String> background) {
        this(id, classes, background, null);
    }

    /** C, the number of dataset (reported) classes. */
    public int numClasses() {
        return classes.size();
    }

    /** K, dataset plus background classes. */
    public int size() {
        return classes.size() + background.size();
    }

    public List<String> labels() {
        return classes.stream().map(LabelClass::label).toList();
    }

    /** Index of a dataset label, or -1. */
    public int indexOf(String label) {
        for (int i = 0; i < classes.size(); i++) {
            if (classes.get(i).label().equals(label)) {
                return i;
            }
        }
        return -1;
    }

    /** Prompt names of all K classes, dataset classes first, as the text side embeds them. */
    public List<List<String>> promptNames() {
        List<List<String>> names = new ArrayList<>(size());
        classes.forEach(c -> names.add(c.promptNames()));
        background.forEach(b -> names.add(List.of(b)));
        return names;
    }

    /** Per-class absolute thresholds ({@code NaN} where the relative rule applies). */
    public float[] thresholds() {
        float[] t = new float[classes.size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = classes.get(i).threshold();
        }
        return t;
    }

    /** The content in the file format with every option spelled out; its hash is the version. */
    public String canonical() {
        return canonical(classes, background);
    }

    private static String canonical(List<LabelClass> classes, List<String> background) {
        StringBuilder sb = new StringBuilder();
        for (LabelClass c : classes) {
            sb.append(c.label()).append("\tprompt=").append(String.join(";", c.promptNames()));
            if (!Float.isNaN(c.threshold())) {
                sb.append("\tthreshold=").append(c.threshold());
            }
            sb.append('\n');
        }
        for (String b : background) {
            sb.append(BACKGROUND_PREFIX).append(' ').append(b).append('\n');
        }
        return sb.toString();
    }

    /** Reads a vocabulary file; the id is the file name without its extension. */
    public static Vocabulary load(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String id = dot > 0 ? name.substring(0, dot) : name;
        try {
            return parse(id, Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new VocabularyException("cannot read vocabulary file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses the file format described in the class comment. */
    public static Vocabulary parse(String id, String text) {
        List<LabelClass> classes = new ArrayList<>();
        List<String> background = new ArrayList<>();
        Map<String, Integer> lineOf = new HashMap<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = id + " line " + lineNo + ": ";
            if (line.toLowerCase(Locale.ROOT).startsWith(BACKGROUND_PREFIX)) {
                String name = line.substring(BACKGROUND_PREFIX.length()).strip();
                if (name.isEmpty() || name.contains("\t")) {
                    throw new VocabularyException(where + "background class needs one name, got '" + line + "'");
                }
                background.add(name);
                continue;
            }
            String[] fields = line.split("\t");
            String label = fields[0].strip();
            if (label.isEmpty() || label.contains(";")) {
                throw new VocabularyException(where + "invalid label '" + fields[0] + "'");
            }
            Integer previous = lineOf.putIfAbsent(label, lineNo);
            if (previous != null) {
                throw new VocabularyException(where + "label '" + label + "' already defined on line " + previous);
            }
            List<String> prompts = List.of(label);
            float threshold = Float.NaN;
            for (int f = 1; f < fields.length; f++) {
                String field = fields[f].strip();
                if (field.isEmpty()) {
                    continue;
                }
                int eq = field.indexOf('=');
                String key = eq < 0 ? field : field.substring(0, eq).strip();
                String value = eq < 0 ? "" : field.substring(eq + 1).strip();
                switch (key) {
                    case "prompt" -> prompts = promptNames(where, value);
                    case "threshold" -> threshold = threshold(where, value);
                    default ->
                        throw new VocabularyException(
                                where + "unknown option '" + field + "' (expected prompt=... or threshold=...)");
                }
            }
            classes.add(new LabelClass(label, prompts, threshold));
        }
        if (classes.isEmpty()) {
            throw new VocabularyException(id + ": no dataset class (every line is empty, a comment or background)");
        }
        return new Vocabulary(id, classes, background);
    }

    /** A vocabulary shipped in this package as {@code <id>.vocab}. */
    static Vocabulary resource(String id) {
        try (InputStream in = Vocabulary.class.getResourceAsStream(id + ".vocab")) {
            if (in == null) {
                throw new VocabularyException("no built-in vocabulary '" + id + "'");
            }
            return parse(id, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new VocabularyException("cannot read built-in vocabulary '" + id + "'", e);
        }
    }

    private static List<String> promptNames(String where, String value) {
        List<String> names = new ArrayList<>();
        for (String name : value.split(";")) {
            if (!name.isBlank()) {
                names.add(name.strip());
            }
        }
        if (names.isEmpty()) {
            throw new VocabularyException(where + "prompt= needs at least one name");
        }
        return names;
    }

    private static float threshold(String where, String value) {
        try {
            float t = Float.parseFloat(value);
            if (t >= 0f && t <= 1f) {
                return t;
            }
        } catch (NumberFormatException e) {
            // reported below with the line number
        }
        throw new VocabularyException(where + "threshold must be a number in [0,1], got '" + value + "'");
    }
}
