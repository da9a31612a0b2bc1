package io.tagclip.report;

import io.tagclip.image.RgbImage;
import io.tagclip.pipeline.Box;
import io.tagclip.pipeline.Tag;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import javax.imageio.ImageIO;

/**
 * Draws an image's tags over it: each tag with a box gets its box in the label's colour, inside a dark outline so
 * that it shows on light and dark photos alike, and a chip (a filled rectangle in the label's colour with a dark
 * border) holding {@code label score} in black or white, whichever contrasts more. Tags without a box (boxes off, or
 * a whole-image method) are listed as chips in the top-left corner. Colours follow the label's position in the
 * vocabulary, so a label has the same colour on every overlay of a run.
 *
 * <p>Images whose long side is under {@link #MIN_LONG_SIDE} are enlarged by a whole factor (nearest neighbour, box
 * coordinates scaled with them) so that labels stay legible on thumbnails; the returned image's size says by how
 * much. Thread-safe.
 */
public final class OverlayRenderer {

    /**
     * Long side, in pixels, below which the overlay is enlarged: a 12-pixel label needs room next to its box, and
     * the golden fixture's smallest images (48×64) would otherwise be covered by their chips.
     */
    static final int MIN_LONG_SIDE = 384;

    /** Box stroke width per pixel of the (enlarged) short side: 3 px at 600 px, thin enough to not hide objects. */
    private static final float STROKE_PER_PIXEL = 1f / 200;

    /** Thinnest box stroke, so that a box on a small image is still visible. */
    private static final float MIN_STROKE = 2f;

    /** Width of the dark outline on each side of a box's coloured stroke. */
    private static final float OUTLINE = 1.5f;

    /** Label font size per pixel of the short side: 20 px at 600 px. */
    private static final float FONT_PER_PIXEL = 1f / 30;

    /** Smallest label font, readable at 100 % zoom. */
    private static final float MIN_FONT = 12f;

    /** Colour of box outlines and chip borders: dark enough to separate a colour from a light photo. */
    static final Color OUTLINE_COLOUR = new Color(20, 20, 20);

    /**
     * Saturated colours that stay distinct from one another and from grey photo backgrounds (Kelly's contrast set,
     * minus black, white and the greys), cycled by vocabulary index.
     */
    static final List<Color> PALETTE = List.of(
            new Color(0xF3C300),
            new Color(0x875692),
            new Color(0xF38400),
            new Color(0xA1CAF1),
            new Color(0xBE0032),
            new Color(0xC2B280),
            new Color(0x008856),
            new Color(0xE68FAC),
            new Color(0x0067A5),
            new Color(0xF99379),
            new Color(0x604E97),
            new Color(0xF6A600),
            new Color(0xB3446C),
            new Color(0xDCD300),
            new Color(0x882D17),
            new Color(0x8DB600),
            new Color(0x654522),
            new Color(0xE25822),
            new Color(0x2B3D26),
            new Color(0x00A1C2));

    /** Relative luminance above which a chip's text is black rather than white (WCAG's cross-over point). */
    private static final double DARK_TEXT_LUMINANCE = 0.179;

    private final Map<String, Integer> labelIndex;

    /**
     * @param labels the vocabulary's labels in order; they decide the colours. A label outside the list gets a
     *     colour from its name's hash.
     */
    public OverlayRenderer(List<String> labels) {
        Objects.requireNonNull(labels, "labels");
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            index.putIfAbsent(labels.get(i), i);
        }
        this.labelIndex = Map.copyOf(index);
    }

    /** The colour of {@code label} on every overlay of this renderer. */
    public Color colour(String label) {
        Integer index = labelIndex.get(label);
        int slot = index != null ? index : Math.floorMod(label.hashCode(), PALETTE.size());
        return PALETTE.get(slot % PALETTE.size());
    }

    /** Whole factor an image of this size is enlarged by (1 when its long side is at least {@link #MIN_LONG_SIDE}). */
    public static int scale(int width, int height) {
        int longSide = Math.max(width, height);
        return Math.max(1, (MIN_LONG_SIDE + longSide - 1) / longSide);
    }

    /** The overlay of {@code tags} on {@code image}, {@link #scale} times the image's size. */
    public BufferedImage render(RgbImage image, List<Tag> tags) {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(tags, "tags");
        int scale = scale(image.width(), image.height());
        BufferedImage canvas = photo(image, scale);
        Graphics2D g = canvas.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            int shortSide = Math.min(canvas.getWidth(), canvas.getHeight());
            float stroke = Math.max(MIN_STROKE, shortSide * STROKE_PER_PIXEL);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, Math.round(Math.max(MIN_FONT, shortSide * FONT_PER_PIXEL))));
            // Layers, bottom first: the photo (above); per-pixel regions (masks, drawn today in their own file by
            // tag --masks) would belong here, translucent in the label's colour, so that boxes and chips stay on top
            // of them; boxes; chips last, so that no box crosses a label.
            for (Tag tag : tags) {
                if (tag.box() != null) {
                    paintBox(g, scaled(tag.box(), scale), colour(tag.label()), stroke);
                }
            }
            List<Rectangle> placed = new ArrayList<>();
            int legendY = 0;
            for (Tag tag : tags) {
                if (tag.box() != null) {
                    Box box = scaled(tag.box(), scale);
                    paintChip(g, tag, box.x0(), box.y0(), canvas.getWidth(), canvas.getHeight(), true, placed);
                } else {
                    legendY = paintChip(g, tag, 0, legendY, canvas.getWidth(), canvas.getHeight(), false, placed);
                }
            }
        } finally {
            g.dispose();
        }
        return canvas;
    }

    /** {@link #render} encoded as PNG. */
    public byte[] png(RgbImage image, List<Tag> tags) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(render(image, tags), "png", out)) {
                throw new IllegalStateException("no PNG writer in this JDK");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("encoding an overlay as PNG", e);
        }
        return out.toByteArray();
    }

    /** Writes {@link #png} to {@code file}, replacing it. */
    public void write(RgbImage image, List<Tag> tags, Path file) throws IOException {
        Files.write(file, png(image, tags));
    }

    private static BufferedImage photo(RgbImage image, int scale) {
        int w = image.width();
        int h = image.height();
        BufferedImage canvas = new BufferedImage(w * scale, h * scale, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[w * scale];
        byte[] px = image.pixels();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = (y * w + x) * 3;
                int rgb = (px[i] & 0xFF) << 16 | (px[i + 1] & 0xFF) << 8 | (px[i + 2] & 0xFF);
                for (int s = 0; s < scale; s++) {
                    row[x * scale + s] = rgb;
                }
            }
            for (int s = 0; s < scale; s++) {
                canvas.setRGB(0, y * scale + s, w * scale, 1, row, 0, w * scale);
            }
        }
        return canvas;
    }

    private static Box scaled(Box box, int scale) {
        return new Box(box.x0() * scale, box.y0() * scale, box.x1() * scale, box.y1() * scale);
    }

    /** A box's stroke lies inside its pixels (end exclusive), the dark outline on both sides of it. */
    private static void paintBox(Graphics2D g, Box box, Color colour, float stroke) {
        float inset = OUTLINE + stroke / 2;
        float x = box.x0() + inset;
        float y = box.y0() + inset;
        float w = Math.max(0, box.x1() - box.x0() - 2 * inset);
        float h = Math.max(0, box.y1() - box.y0() - 2 * inset);
        Rectangle2D.Float rect = new Rectangle2D.Float(x, y, w, h);
        g.setColor(OUTLINE_COLOUR);
        g.setStroke(new BasicStroke(stroke + 2 * OUTLINE, BasicStroke.CAP_SQUARE, BasicStroke.JOIN_MITER));
        g.draw(rect);
        g.setColor(colour);
        g.setStroke(new BasicStroke(stroke, BasicStroke.CAP_SQUARE, BasicStroke.JOIN_MITER));
        g.draw(rect);
    }

    /**
     * Paints one chip with its top-left corner at (x, y), kept inside the canvas; a box's chip sits just above the
     * box when there is room and inside its top edge otherwise. A chip that would cover one already painted (boxes
     * sharing a corner) moves right of it, and down a row when the canvas ends.
     *
     * @return the y just below the chip (where the next legend chip goes)
     */
    private int paintChip(
            Graphics2D g, Tag tag, int x, int y, int width, int height, boolean aboveBox, List<Rectangle> placed) {
        FontMetrics metrics = g.getFontMetrics();
        String text = tag.label() + " " + String.format(Locale.ROOT, "%.2f", tag.score());
        int pad = Math.max(2, metrics.getHeight() / 6);
        int chipW = metrics.stringWidth(text) + 2 * pad;
        int chipH = metrics.getHeight() + 2 * pad;
        int top = aboveBox && y - chipH >= 0 ? y - chipH : y;
        int left = Math.max(0, Math.min(x, width - chipW));
        top = Math.max(0, Math.min(top, height - chipH));
        Rectangle chip = new Rectangle(left, top, chipW, chipH);
        for (int moves = 0; moves <= placed.size(); moves++) {
            Rectangle covered =
                    placed.stream().filter(chip::intersects).findFirst().orElse(null);
            if (covered == null) {
                break;
            }
            chip.x = covered.x + covered.width;
            if (chip.x + chipW > width) {
                chip.x = Math.max(0, Math.min(x, width - chipW));
                chip.y = Math.min(covered.y + covered.height, height - chipH);
            }
        }
        placed.add(chip);
        left = chip.x;
        top = chip.y;
        Color colour = colour(tag.label());
        g.setColor(colour);
        g.fillRect(left, top, chipW, chipH);
        g.setColor(OUTLINE_COLOUR);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(left, top, chipW - 1, chipH - 1);
        g.setColor(textColour(colour));
        g.drawString(text, left + pad, top + pad + metrics.getAscent());
        return top + chipH;
    }

    /** Black or white, whichever has the higher contrast on {@code background} (WCAG relative luminance). */
    static Color textColour(Color background) {
        double luminance = 0.2126 * linear(background.getRed())
                + 0.7152 * linear(background.getGreen())
                + 0.0722 * linear(background.getBlue());
        return luminance > DARK_TEXT_LUMINANCE ? Color.BLACK : Color.WHITE;
    }

    private static double linear(int channel) {
        double c = channel / 255.0;
        return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    }
}
