package io.tagclip.cli;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The image folder of a split and how much of it to evaluate: {@code --images} and {@code --limit} (picocli mixin). */
final class SplitImages {

    @Option(
            names = "--images",
            required = true,
            paramLabel = "DIR",
            description = "Folder holding <id>.jpg (or .png, or <id>.*) for every id of the split.")
    Path images;

    @Option(names = "--limit", paramLabel = "N", description = "Evaluate only the first N images of the split.")
    Integer limit;

    /** Refuses a missing {@code --images} folder and a {@code --limit} below 1, before any model is loaded. */
    void check() {
        PathOptions.folder("--images", images);
        if (limit != null && limit < 1) {
            throw new IllegalArgumentException("--limit must be at least 1, got " + limit);
        }
    }

    /** The first {@code --limit} entries of a split, or all of them without the option. */
    <T> List<T> first(List<T> entries) {
        return limit == null || limit >= entries.size() ? entries : entries.subList(0, limit);
    }

    /** The image folder. */
    Path folder() {
        return images;
    }
}
