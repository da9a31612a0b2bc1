package io.tagclip.eval;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import javax.imageio.ImageIO;

/**
 * A per-pixel class map: 0 background, 1 + a class's index, and {@link #IGNORED} for pixels no class is scored on.
 * Read from a single-band PNG: an 8-bit grey map (as {@code tag --masks} writes it) or a palette PNG (as VOC ships
 * {@code SegmentationClass}), whose values are the palette indices, not the colours they stand for.
 *
 * @param width  pixels per row
 * @param height rows
 * @param labels row-major values, {@code width·height} of them
 */
public record LabelMap(int width, int height, int[] labels) {

    /** VOC's "void" label (object borders, difficult regions): ignored by the metric. */
    public static final int IGNORED = 255;

    public LabelMap {
        Objects.requireNonNull(labels, "labels");
        if (width <= 0 || height <= 0 || labels.length != width * height) {
            throw new IllegalArgumentException("a " + width + "x" + height + " label map needs " + width * height
                    + " labels, got " + labels.length);
        }
    }

    /**
     * Reads a label map.
     *
     * @throws EvaluationException naming the file when it is missing, not a PNG ImageIO can read, or has more than
     *     one band (an RGB rendering of a map is not a map)
     */
    public static LabelMap read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new EvaluationException("label map " + file + " does not exist");
        }
        BufferedImage image;
        try {
            image = ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw new EvaluationException("cannot read label map " + file + ": " + e.getMessage(), e);
        }
        if (image == null) {
            throw new EvaluationException("label map " + file + " is not an image ImageIO can decode");
        }
        Raster raster = image.getRaster();
        if (raster.getNumBands() != 1) {
            throw new EvaluationException("label map " + file + " has " + raster.getNumBands()
                    + " bands; expected one (grey or palette indices)");
        }
        int w = raster.getWidth();
        int h = raster.getHeight();
        return new LabelMap(w, h, raster.getSamples(0, 0, w, h, 0, new int[w * h]));
    }
}
