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
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The classes TagCLIP scores: dataset classes (reported) followed by background classes (they take part in every
 * softmax and in the CWR candidate threshold, and are never reported), in order. Class index = position.
 *
 * <p>File format: UTF-8 text (a leading byte-order mark is ignored), one class per line. In this example {@code ␣}
 * stands for a space and {@code ⇥} for a TAB:
 *
 * <pre>
 * # comment; blank lines are ignored
 * cat
 * traffic␣light
 * dining␣table⇥prompt=diningtable
 * person␣prompt=person;people␣threshold=0.3
 * television⇥prompt=tv␣monitor⇥⇥threshold=0.25
 * background:␣sky
 * </pre>
 *
 * Each line is read without its leading and trailing whitespace.
 *
 * <ul>
 *   <li>A line starting with {@code background} (in any case) adds a background class and must read
 *       {@code background: NAME}; the name takes no options. So a dataset label cannot start with
 *       {@code background}.
 *   <li>Any other line is a dataset class. An option starts at a {@code key=} word: at the start of the line or after
 *       a space or TAB, a key of an ASCII letter then letters, digits, {@code -} or {@code _}, then {@code =}. The
 *       label is everything before the first option; an option's value is everything after its {@code =} up to the
 *       next option or the end of the line. Label and values lose their surrounding spaces and TABs and keep inner
 *       ones, so options are separated by any run of spaces or TABs, and labels and prompt names may contain spaces.
 * </ul>
 *
 * Options, each at most once: {@code prompt=} the names put into the prompt templates, separated by {@code ;}
 * (default: the label; several names are embedded separately and averaged), {@code threshold=} an absolute tag
 * threshold in [0,1] for this label (default: the relative rule). Labels are unique and non-empty and contain no
 * {@code =}, {@code ;} or TAB; prompt names contain no {@code =} or TAB. A line breaking these rules (a stray
 * {@code =} as in {@code dog␣threshold␣=␣0.3}, {@code background␣sky} without its colon) is refused with its line
 * number and text.
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

    private static final String BACKGROUND_WORD = "background";

    private static final String BACKGROUND_PREFIX = BACKGROUND_WORD + ":";

    private static final String BYTE_ORDER_MARK = "\uFEFF";

    /** Where an option starts: a {@code key=} word at the start of the line or after a space or TAB. */
    private static final Pattern OPTION_START = Pattern.compile("(?<!\\S)[A-Za-z][A-Za-z0-9_-]*=");

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

    /**
     * This vocabulary with {@code names} appended as dataset classes (prompt name = label, relative rule), after its
     * own and before nothing else: the background stays last. Same id; the version is the new content's.
     */
    public Vocabulary withExtraLabels(List<String> names) {
        List<LabelClass> all = new ArrayList<>(classes);
        names.forEach(name -> all.add(LabelClass.of(name)));
        return new Vocabulary(id, all, background);
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

    /** Reads a vocabulary file; the id is the file name without its extension, messages name the file. */
    public static Vocabulary load(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String id = dot > 0 ? name.substring(0, dot) : name;
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new VocabularyException("cannot read vocabulary file " + file + ": " + e.getMessage(), e);
        }
        return parse(id, text, file.toString());
    }

    /** Parses the file format described in the class comment; messages name the vocabulary by its id. */
    public static Vocabulary parse(String id, String text) {
        return parse(id, text, id);
    }

    /** Parses the file format, naming {@code source} (a file, or the id) and the line in messages. */
    private static Vocabulary parse(String id, String text, String source) {
        List<LabelClass> classes = new ArrayList<>();
        List<String> background = new ArrayList<>();
        Map<String, Integer> lineOf = new HashMap<>();
        String content = text.startsWith(BYTE_ORDER_MARK) ? text.substring(BYTE_ORDER_MARK.length()) : text;
        String[] lines = content.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = source + " line " + lineNo + ": ";
            if (line.regionMatches(true, 0, BACKGROUND_WORD, 0, BACKGROUND_WORD.length())) {
                background.add(backgroundName(where, line));
                continue;
            }
            LabelClass labelClass = labelClass(where, line);
            Integer previous = lineOf.putIfAbsent(labelClass.label(), lineNo);
            if (previous != null) {
                throw new VocabularyException(
                        where + "label '" + labelClass.label() + "' already defined on line " + previous);
            }
            classes.add(labelClass);
        }
        if (classes.isEmpty()) {
            throw new VocabularyException(source + ": no dataset class (every line is empty, a comment or background)");
        }
        return new Vocabulary(id, classes, background);
    }

    /** The name of a line starting with the word {@code background}, which must read {@code background: NAME}. */
    private static String backgroundName(String where, String line) {
        if (!line.regionMatches(true, 0, BACKGROUND_PREFIX, 0, BACKGROUND_PREFIX.length())) {
            throw new VocabularyException(where + "'" + line + "' starts with '" + BACKGROUND_WORD
                    + "' but is not a background class line: write 'background: NAME' (a dataset label cannot start"
                    + " with '" + BACKGROUND_WORD + "')");
        }
        String name = line.substring(BACKGROUND_PREFIX.length()).strip();
        if (name.isEmpty()) {
            throw new VocabularyException(where + "background class needs one name, got '" + line + "'");
        }
        if (name.indexOf('=') >= 0) {
            throw new VocabularyException(
                    where + "background class '" + name + "' contains '=': background classes take no options");
        }
        if (name.indexOf('\t') >= 0) {
            throw new VocabularyException(where + "background class '" + name + "' contains a TAB");
        }
        return name;
    }

    /** A dataset-class line: the label, then options, each starting at a {@code key=} word (see the class comment). */
    private static LabelClass labelClass(String where, String line) {
        List<Integer> starts = new ArrayList<>();
        Matcher m = OPTION_START.matcher(line);
        while (m.find()) {
            starts.add(m.start());
        }
        String label = line.substring(0, starts.isEmpty() ? line.length() : starts.get(0))
                .strip();
        String inLine = label.equals(line) ? "" : " in '" + line + "'";
        if (label.isEmpty()) {
            throw new VocabularyException(where + "no label before the option in '" + line + "'");
        }
        if (label.indexOf('=') >= 0) {
            throw new VocabularyException(where + "label '" + label + "'" + inLine
                    + " contains '=': options are key=value words after the label, no space before '='");
        }
        if (label.indexOf('\t') >= 0) {
            throw new VocabularyException(where + "label '" + label + "'" + inLine
                    + " contains a TAB: separate the words of a label by spaces");
        }
        if (label.indexOf(';') >= 0) {
            throw new VocabularyException(where + "invalid label '" + label + "'" + inLine + ": it contains ';'");
        }
        List<String> prompts = List.of(label);
        float threshold = Float.NaN;
        Set<String> given = new HashSet<>();
        for (int k = 0; k < starts.size(); k++) {
            String option = line.substring(starts.get(k), k + 1 < starts.size() ? starts.get(k + 1) : line.length())
                    .strip();
            int eq = option.indexOf('=');
            String key = option.substring(0, eq);
            String value = option.substring(eq + 1).strip();
            if (!key.equals("prompt") && !key.equals("threshold")) {
                throw new VocabularyException(
                        where + "unknown option '" + option + "' (expected prompt=... or threshold=...)");
            }
            if (!given.add(key)) {
                throw new VocabularyException(where + key + "= given twice in '" + line + "'");
            }
            if (key.equals("prompt")) {
                prompts = promptNames(where, value);
            } else {
                threshold = threshold(where, value);
            }
        }
        return new LabelClass(label, prompts, threshold);
    }

    /** A vocabulary shipped in this package as {@code <id>.vocab}. */
    static Vocabulary resource(String id) {
        try (InputStream in = Vocabulary.class.getResourceAsStream(id + ".vocab")) {
            if (in == null) {
                throw new VocabularyException("no built-in vocabulary '" + id + "'");
            }
            return parse(id, new String(in.readAllBytes(), StandardCharsets.UTF_8), "built-in " + id + ".vocab");
        } catch (IOException e) {
            throw new VocabularyException("cannot read built-in vocabulary '" + id + "'", e);
        }
    }

    private static List<String> promptNames(String where, String value) {
        List<String> names = new ArrayList<>();
        for (String name : value.split(";")) {
            if (name.isBlank()) {
                continue;
            }
            if (name.indexOf('=') >= 0 || name.indexOf('\t') >= 0) {
                throw new VocabularyException(where + "prompt name '" + name.strip()
                        + "' contains '=' or a TAB (names are separated by ';')");
            }
            names.add(name.strip());
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
