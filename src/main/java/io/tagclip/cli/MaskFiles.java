package io.tagclip.cli;

import io.tagclip.image.RgbImage;
import io.tagclip.pipeline.Mask;
import io.tagclip.pipeline.Tag;
import io.tagclip.report.OverlayRenderer;
import io.tagclip.segment.CocoRle;
import io.tagclip.vocab.Vocabulary;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The files {@code tag --masks DIR} writes per image: {@code <name>.labels.png}, an 8-bit grey label map at the
 * original size (0 background, 1 + the class's index in the vocabulary, CLIP-ES's convention), built by decoding
 * each tag's RLE mask, and {@code <name>.masks.png}, the image with every labelled pixel blended half-way towards
 * its label's colour.
 */
final class MaskFiles {

    /** Weight of the label colour in the overlay. */
    private static final float OVERLAY_ALPHA = 0.5f;

    private final OutputFolder folder;

    MaskFiles(Path folder) {
        this.folder = new OutputFolder(folder, "--masks");
    }

    /** The label map of one image from its tags' masks, row-major; every tag must carry a mask of the image's size. */
    static byte[] labelMap(List<Tag> tags, Vocabulary vocabulary, int height, int width) {
        byte[] map = new byte[height * width];
        for (Tag tag : tags) {
            Mask mask = tag.mask();
            if (mask == null || mask.height() != height || mask.width() != width) {
                throw new IllegalStateException("tag '" + tag.label() + "' has no " + height + "x" + width + " mask");
            }
            boolean[] pixels = CocoRle.decode(mask.counts(), height, width);
            byte value = (byte) (vocabulary.indexOf(tag.label()) + 1);
            for (int i = 0; i < pixels.length; i++) {
                if (pixels[i]) {
                    map[i] = value;
                }
            }
        }
        return map;
    }

    /** Writes both files and returns the label map's path. */
    Path write(Path image, RgbImage pixels, List<Tag> tags, Vocabulary vocabulary, OverlayRenderer renderer) {
        String stem = folder.stem(image);
        int h = pixels.height();
        int w = pixels.width();
        byte[] map = labelMap(tags, vocabulary, h, w);
        BufferedImage grey = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster raster = grey.getRaster();
        for (int i = 0; i < map.length; i++) {
            raster.setSample(i % w, i / w, 0, map[i] & 0xFF);
        }
        Color[] colours = new Color[256];
        for (Tag tag : tags) {
            colours[vocabulary.indexOf(tag.label()) + 1] = renderer.colour(tag.label());
        }
        BufferedImage overlay = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        byte[] rgb = pixels.pixels();
        for (int i = 0; i < map.length; i++) {
            int r = rgb[i * 3] & 0xFF;
            int g = rgb[i * 3 + 1] & 0xFF;
            int b = rgb[i * 3 + 2] & 0xFF;
            Color c = colours[map[i] & 0xFF];
            if (c != null) {
                r = Math.round(r * (1 - OVERLAY_ALPHA) + c.getRed() * OVERLAY_ALPHA);
                g = Math.round(g * (1 - OVERLAY_ALPHA) + c.getGreen() * OVERLAY_ALPHA);
                b = Math.round(b * (1 - OVERLAY_ALPHA) + c.getBlue() * OVERLAY_ALPHA);
            }
            overlay.setRGB(i % w, i / w, (r << 16) | (g << 8) | b);
        }
        Path labels = folder.path().resolve(stem + ".labels.png");
        Path blended = folder.path().resolve(stem + ".masks.png");
        try {
            ImageIO.write(grey, "png", labels.toFile());
            ImageIO.write(overlay, "png", blended.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write masks of " + image + " to " + folder.path() + ": " + e, e);
        }
        return labels;
    }
}
