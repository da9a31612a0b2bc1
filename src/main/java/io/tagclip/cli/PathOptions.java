package io.tagclip.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The check every path option gets before anything loads: a mistyped path ends the command with one line naming the
 * option and the path, instead of a failure deep in a loader (or a stack trace) minutes later.
 */
final class PathOptions {

    private PathOptions() {}

    /**
     * Refuses a path that does not exist.
     *
     * @param option the option's name, as the user typed it ({@code --split})
     * @param path   its value; {@code null} (the option is absent) passes
     * @throws IllegalArgumentException {@code --split: no such file: PATH}
     */
    static void exists(String option, Path path) {
        if (path != null && !Files.exists(path)) {
            throw new IllegalArgumentException(option + ": no such file: " + path);
        }
    }

    /** {@link #exists}, then refuses a path that is not a folder. */
    static void folder(String option, Path path) {
        exists(option, path);
        if (path != null && !Files.isDirectory(path)) {
            throw new IllegalArgumentException(option + ": not a folder: " + path);
        }
    }

    /**
     * Whether an option that takes a name or a path was given a path: it is absolute, starts with {@code .} or
     * {@code ~}, has more than one {@code /} (a hub id has one), a backslash, or a checkpoint's or text file's
     * extension. Such a value that does not exist is a typo, not a name to look up elsewhere.
     */
    static boolean looksLikePath(String value) {
        if (value == null || value.isBlank()) {
            return false;
        }
        String lower = value.toLowerCase(Locale.ROOT);
        return Path.of(value).isAbsolute()
                || value.startsWith(".")
                || value.startsWith("~")
                || value.indexOf('/') != value.lastIndexOf('/')
                || value.contains("\\")
                || lower.endsWith(".pt")
                || lower.endsWith(".pth")
                || lower.endsWith(".bin")
                || lower.endsWith(".safetensors")
                || lower.endsWith(".txt")
                || lower.endsWith(".json");
    }

    /** {@link #exists} for an option that takes a name or a path, when its value {@link #looksLikePath}. */
    static void existsIfPath(String option, String value) {
        if (looksLikePath(value)) {
            exists(option, Path.of(value));
        }
    }
}
