package io.tagclip.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.tagclip.image.RgbImage;
import io.tagclip.pipeline.Box;
import io.tagclip.pipeline.Tag;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class OverlayRendererTest {

    private static final int WIDTH = 400;
    private static final int HEIGHT = 200;

    private final OverlayRenderer renderer = new OverlayRenderer(List.of("cat", "dog", "bird"));

    /** Left half white, right half black: a box must show on both. */
    private static RgbImage halves() {
        byte[] px = new byte[WIDTH * HEIGHT * 3];
        for (int y = 0; y < HEIGHT; y++) {
            for (int x = 0; x < WIDTH / 2; x++) {
                int i = (y * WIDTH + x) * 3;
                px[i] = px[i + 1] = px[i + 2] = (byte) 255;
            }
        }
        return new RgbImage(WIDTH, HEIGHT, px);
    }

    private static Color at(BufferedImage image, int x, int y) {
        return new Color(image.getRGB(x, y));
    }

    @Test
    void shouldDrawEachBoxInItsLabelsColourInsideADarkOutlineOnLightAndDarkPhotos() {
        List<Tag> tags = List.of(
                new Tag("cat", 0.9f, new Box(20, 60, 180, 180)), new Tag("dog", 0.6f, new Box(220, 60, 380, 180)));

        BufferedImage overlay = renderer.render(halves(), tags);

        assertThat(overlay.getWidth()).isEqualTo(WIDTH);
        assertThat(overlay.getHeight()).isEqualTo(HEIGHT);
        // Stroke 2 px centred 2.5 px inside the box, outline 1.5 px on both sides: x0 + 0 is outline, x0 + 2 colour.
        assertThat(at(overlay, 20, 120)).as("outline on white").isEqualTo(OverlayRenderer.OUTLINE_COLOUR);
        assertThat(at(overlay, 22, 120)).as("cat's stroke").isEqualTo(renderer.colour("cat"));
        assertThat(at(overlay, 19, 120)).as("outside the box").isEqualTo(Color.WHITE);
        assertThat(at(overlay, 100, 120)).as("inside the box, untouched").isEqualTo(Color.WHITE);
        assertThat(at(overlay, 222, 120)).as("dog's stroke on black").isEqualTo(renderer.colour("dog"));
        assertThat(at(overlay, 224, 120)).as("outline on black, inner side").isEqualTo(OverlayRenderer.OUTLINE_COLOUR);
        assertThat(renderer.colour("cat")).isNotEqualTo(renderer.colour("dog"));
    }

    @Test
    void shouldPutEachLabelOnAFilledChipAboveItsBox() {
        List<Tag> tags = List.of(new Tag("cat", 0.9f, new Box(20, 100, 180, 180)));

        BufferedImage overlay = renderer.render(halves(), tags);

        Set<Color> chip = colours(overlay, 20, 60, 180, 99);
        Color fill = renderer.colour("cat");
        assertThat(chip)
                .as("chip fill, text and border above the box")
                .contains(fill, OverlayRenderer.textColour(fill), OverlayRenderer.OUTLINE_COLOUR);
    }

    @Test
    void shouldSetChipsOfBoxesSharingACornerSideBySide() {
        List<Tag> tags = List.of(
                new Tag("cat", 0.9f, new Box(20, 100, 380, 180)), new Tag("dog", 0.8f, new Box(20, 100, 380, 180)));

        BufferedImage overlay = renderer.render(halves(), tags);

        Set<Color> chips = colours(overlay, 20, 60, 380, 99);
        assertThat(chips)
                .as("both chips visible above the shared corner")
                .contains(renderer.colour("cat"), renderer.colour("dog"));
    }

    @Test
    void shouldListTagsWithoutBoxesAsChipsInTheCorner() {
        List<Tag> tags = List.of(new Tag("bird", 0.7f, null), new Tag("dog", 0.4f, null));

        BufferedImage overlay = renderer.render(halves(), tags);

        assertThat(at(overlay, 0, 0)).isEqualTo(OverlayRenderer.OUTLINE_COLOUR);
        // Column 1 lies inside the chips' padding: fill down to the first chip's bottom border, then the second chip.
        int y = 1;
        while (at(overlay, 1, y).equals(renderer.colour("bird"))) {
            y++;
        }
        assertThat(y).as("first chip's height").isGreaterThan(10);
        assertThat(at(overlay, 1, y)).isEqualTo(OverlayRenderer.OUTLINE_COLOUR);
        assertThat(at(overlay, 1, y + 2)).as("second chip below the first").isEqualTo(renderer.colour("dog"));
    }

    @Test
    void shouldEnlargeThumbnailsByAWholeFactorAndScaleTheirBoxes() throws IOException {
        RgbImage small = new RgbImage(48, 64, new byte[48 * 64 * 3]);

        byte[] png = renderer.png(small, List.of(new Tag("cat", 0.5f, new Box(8, 8, 40, 56))));

        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(png));
        int scale = OverlayRenderer.scale(48, 64);
        assertThat(scale).isEqualTo(6);
        assertThat(decoded.getWidth()).isEqualTo(48 * scale);
        assertThat(decoded.getHeight()).isEqualTo(64 * scale);
        assertThat(at(decoded, 8 * scale, 30 * scale)).isEqualTo(OverlayRenderer.OUTLINE_COLOUR);
        assertThat(OverlayRenderer.scale(640, 480)).isEqualTo(1);
    }

    @Test
    void shouldKeepALabelsColourAcrossImagesAndPickContrastingText() {
        OverlayRenderer other = new OverlayRenderer(List.of("cat", "dog", "bird"));

        assertThat(other.colour("bird")).isEqualTo(renderer.colour("bird"));
        assertThat(renderer.colour("unicorn")).isIn(OverlayRenderer.PALETTE);
        assertThat(OverlayRenderer.textColour(new Color(0xF3C300))).isEqualTo(Color.BLACK);
        assertThat(OverlayRenderer.textColour(new Color(0x2B3D26))).isEqualTo(Color.WHITE);
    }

    private static Set<Color> colours(BufferedImage image, int x0, int y0, int x1, int y1) {
        Set<Color> found = new HashSet<>();
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                found.add(at(image, x, y));
            }
        }
        return found;
    }
}
