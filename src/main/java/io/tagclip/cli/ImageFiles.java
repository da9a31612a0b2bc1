package io.tagclip.cli;

import io.tagclip.fetch.FetchSettings;
import io.tagclip.fetch.ImageDecoder;
import io.tagclip.image.RgbImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/** Image files named on the command line, and their decoding. */
final class ImageFiles {

    /** Extensions a directory is searched for (case-insensitive); files named directly may have any name. */
    static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "gif", "bmp", "webp");

    private final ImageDecoder decoder;

    /** A decoder with the service's pixel limit and EXIF orientation. */
    ImageFiles() {
        FetchSettings defaults = FetchSettings.defaults();
        this.decoder = new ImageDecoder(defaults.maxPixels(), defaults.applyExifOrientation());
    }

    /**
     * Files and directories in order; a directory becomes its image files (by extension, not recursive), sorted by
     * name. Paths that do not exist are kept, so that reading them reports them in order.
     */
    static List<Path> expand(List<Path> arguments) {
        List<Path> files = new ArrayList<>();
        for (Path argument : arguments) {
            if (!Files.isDirectory(argument)) {
                files.add(argument);
                continue;
            }
            try (Stream<Path> listing = Files.list(argument)) {
                listing.filter(Files::isRegularFile)
                        .filter(ImageFiles::hasImageExtension)
                        .sorted()
                        .forEach(files::add);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot list directory " + argument + ": " + e.getMessage(), e);
            }
        }
        return files;
    }

    private static boolean hasImageExtension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /**
     * Reads and decodes one file (grey replicated to RGB, alpha dropped, JPEG EXIF orientation applied).
     *
     * @throws IOException naming the file when it cannot be read or is not a decodable image
     */
    RgbImage decode(Path file) throws IOException {
        return decoder.decodeFile(file);
    }
}
