package io.tagclip.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * A folder the command writes per-image files into: created on open, and one file name stem per image (the image's
 * file name without its extension, numbered {@code -2}, {@code -3}, ... when two images of a run share a name).
 */
final class OutputFolder {

    private final Path folder;
    private final Set<String> used = new HashSet<>();

    /**
     * @param folder the folder, created with its parents if missing
     * @param option the command-line option that named it, for the error message
     */
    OutputFolder(Path folder, String option) {
        if (Files.exists(folder) && !Files.isDirectory(folder)) {
            throw new IllegalArgumentException(option + ": " + folder + " is a file, not a folder");
        }
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new IllegalArgumentException(option + ": cannot create folder " + folder + ": " + e, e);
        }
        this.folder = folder;
    }

    Path path() {
        return folder;
    }

    /** The next unused stem for {@code image}; the same image twice gets two stems. */
    String stem(Path image) {
        String name = image.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String candidate = stem;
        for (int n = 2; !used.add(candidate); n++) {
            candidate = stem + "-" + n;
        }
        return candidate;
    }
}
