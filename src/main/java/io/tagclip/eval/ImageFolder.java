package io.tagclip.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Finds the file of a split-file image id in one folder: {@code <id>.jpg} (what the reference opens), else
 * {@code <id>.png}, else {@code <id>.<any extension>} (the alphabetically first one). The folder is listed at most
 * once, the first time neither {@code .jpg} nor {@code .png} exists.
 */
public final class ImageFolder {

    private final Path folder;
    private Map<String, Path> byStem;

    public ImageFolder(Path folder) {
        Objects.requireNonNull(folder, "folder");
        if (!Files.isDirectory(folder)) {
            throw new EvaluationException("image folder " + folder + " is not a directory");
        }
        this.folder = folder;
    }

    /**
     * The file holding image {@code imageId}.
     *
     * @throws EvaluationException when no file matches, or the id would leave the folder
     */
    public Path resolve(String imageId) {
        if (imageId.contains("/") || imageId.contains("\\") || imageId.equals("..")) {
            throw new EvaluationException("image id '" + imageId + "' must be a plain file name");
        }
        for (String extension : new String[] {".jpg", ".png"}) {
            Path candidate = folder.resolve(imageId + extension);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        Path found = index().get(imageId);
        if (found == null) {
            throw new EvaluationException("no image file for id '" + imageId + "' in " + folder + " (tried " + imageId
                    + ".jpg, " + imageId + ".png, " + imageId + ".*)");
        }
        return found;
    }

    private Map<String, Path> index() {
        if (byStem == null) {
            Map<String, Path> index = new HashMap<>();
            try (Stream<Path> files = Files.list(folder)) {
                files.filter(Files::isRegularFile).sorted().forEach(file -> {
                    String name = file.getFileName().toString();
                    int dot = name.lastIndexOf('.');
                    if (dot > 0) {
                        index.putIfAbsent(name.substring(0, dot), file);
                    }
                });
            } catch (IOException e) {
                throw new EvaluationException("cannot list image folder " + folder + ": " + e.getMessage(), e);
            }
            byStem = index;
        }
        return byStem;
    }
}
