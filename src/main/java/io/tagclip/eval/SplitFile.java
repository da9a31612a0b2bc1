package io.tagclip.eval;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A classification split in the TagCLIP reference's format ({@code imageset/voc2007/test_cls.txt},
 * {@code imageset/coco2014/val_cls.txt}): one image per line, {@code <image_id> <class_idx> <class_idx> ...}, with
 * 0-based indices into the dataset's class list. Tokens are separated by spaces or tabs; blank lines are skipped
 * (the reference would read a trailing blank line as an image with an empty id).
 *
 * @param source where the entries came from, for messages
 * @param numClasses the size of the class list every index was checked against
 * @param entries the images in file order
 */
public record SplitFile(String source, int numClasses, List<SplitEntry> entries) {

    private static final Pattern SEPARATOR = Pattern.compile("[ \\t]+");

    public SplitFile {
        Objects.requireNonNull(source, "source");
        if (numClasses <= 0) {
            throw new IllegalArgumentException("numClasses must be positive, got " + numClasses);
        }
        entries = List.copyOf(entries);
        for (SplitEntry entry : entries) {
            List<Integer> labels = entry.labels();
            if (!labels.isEmpty() && labels.get(labels.size() - 1) >= numClasses) {
                throw new IllegalArgumentException("image " + entry.imageId() + " has class index "
                        + labels.get(labels.size() - 1) + ", expected < " + numClasses);
            }
        }
    }

    /**
     * Reads a split file (UTF-8).
     *
     * @throws EvaluationException naming {@code file:line} and the bad token when a label is not an integer in
     *     {@code [0, numClasses)}, or when the file cannot be read
     */
    public static SplitFile read(Path file, int numClasses) {
        try {
            return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8), numClasses);
        } catch (IOException e) {
            throw new EvaluationException("cannot read split file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses split-file text; {@code source} names it in error messages ({@code source:line}). */
    public static SplitFile parse(String source, String text, int numClasses) {
        if (numClasses <= 0) {
            throw new IllegalArgumentException("numClasses must be positive, got " + numClasses);
        }
        List<SplitEntry> entries = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new StringReader(text))) {
            String line;
            int lineNumber = 0;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                String trimmed = line.strip();
                if (!trimmed.isEmpty()) {
                    entries.add(parseLine(source, lineNumber, trimmed, numClasses));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringReader does not fail
        }
        return new SplitFile(source, numClasses, entries);
    }

    private static SplitEntry parseLine(String source, int lineNumber, String line, int numClasses) {
        String[] tokens = SEPARATOR.split(line);
        List<Integer> labels = new ArrayList<>(tokens.length - 1);
        for (int i = 1; i < tokens.length; i++) {
            int index;
            try {
                index = Integer.parseInt(tokens[i]);
            } catch (NumberFormatException e) {
                throw new EvaluationException(source + ":" + lineNumber + ": class index '" + tokens[i] + "' of image "
                        + tokens[0] + " is not an integer");
            }
            if (index < 0 || index >= numClasses) {
                throw new EvaluationException(source + ":" + lineNumber + ": class index '" + tokens[i] + "' of image "
                        + tokens[0] + " is outside [0, " + numClasses + ")");
            }
            labels.add(index);
        }
        return new SplitEntry(tokens[0], labels);
    }

    /** Number of images. */
    public int size() {
        return entries.size();
    }

    /** The ground truth as an images×classes matrix, in file order. */
    public boolean[][] labelMatrix() {
        boolean[][] matrix = new boolean[entries.size()][numClasses];
        for (int i = 0; i < entries.size(); i++) {
            for (int label : entries.get(i).labels()) {
                matrix[i][label] = true;
            }
        }
        return matrix;
    }
}
