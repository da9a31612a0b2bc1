package io.tagclip.fetch;

import io.tagclip.image.RgbImage;
import java.util.Objects;

/**
 * Decoded pixels and where they came from.
 *
 * @param image  the decoded image
 * @param source the fetched bytes' identity, or {@code null} when the loader does not know it
 */
public record LoadedImage(RgbImage image, SourceMetadata source) {

    public LoadedImage {
        Objects.requireNonNull(image, "image");
    }
}
