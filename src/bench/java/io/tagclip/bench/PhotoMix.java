package io.tagclip.bench;

import io.tagclip.fetch.FetchException;
import io.tagclip.fetch.ImageDecoder;
import io.tagclip.image.RgbImage;
import io.tagclip.pipeline.ImageRequest;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * A seeded stream of photos of mixed sizes, drawn like a real photo feed: the long side uniform in a range, the
 * aspect ratio from the common camera and phone shapes (4:3 half the time, then 3:2, 16:9, 1:1), a quarter of them
 * portrait. The pixels are the fixture's golden photos, cycled and resized (bilinear) to each drawn size, so content
 * is real; sizes are what batching sees.
 *
 * <p>As a program it writes a draw as PNG files with a split file listing them, for runs that read files (the
 * command line's {@code eval}, the official code in {@code bin/bench-official}):
 *
 * <pre>java ... io.tagclip.bench.PhotoMix DIR [COUNT=10] [PASSES=2]</pre>
 *
 * {@code DIR/photoN.png} with long sides 320–768 (seed 17, as the CPU benchmarks draw), and {@code DIR/split.txt}
 * listing them PASSES times over, one VOC label each, in the reference's split format.
 */
public final class PhotoMix {

    private static final Path IMAGES = Path.of("src/test/resources/tagclip-tiny/images");

    /** Aspect ratios (long / short) and their cumulative probabilities. */
    private static final double[][] ASPECTS = {{4.0 / 3, 0.50}, {3.0 / 2, 0.75}, {16.0 / 9, 0.90}, {1.0, 1.0}};

    private static final double PORTRAIT_SHARE = 0.25;

    private static final long SEED = 17L;

    private PhotoMix() {}

    public static void main(String[] args) throws IOException, FetchException {
        Path dir = Path.of(args[0]);
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int passes = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Files.createDirectories(dir);
        List<ImageRequest> photos = draw(count, 320, 768, SEED);
        StringBuilder split = new StringBuilder();
        for (int i = 0; i < photos.size(); i++) {
            ImageIO.write(
                    toBuffered(photos.get(i).image()),
                    "png",
                    dir.resolve("photo" + i + ".png").toFile());
        }
        for (int pass = 0; pass < passes; pass++) {
            for (int i = 0; i < photos.size(); i++) {
                split.append("photo").append(i).append(' ').append(i % 20).append('\n');
            }
        }
        Files.writeString(dir.resolve("split.txt"), split);
    }

    /** {@code count} requests with long sides in {@code [minLongSide, maxLongSide]}, the same for the same seed. */
    public static List<ImageRequest> draw(int count, int minLongSide, int maxLongSide, long seed)
            throws IOException, FetchException {
        List<RgbImage> photos = photos();
        SplittableRandom random = new SplittableRandom(seed);
        List<ImageRequest> requests = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int longSide = minLongSide + random.nextInt(maxLongSide - minLongSide + 1);
            double pick = random.nextDouble();
            double aspect = 1;
            for (double[] a : ASPECTS) {
                if (pick <= a[1]) {
                    aspect = a[0];
                    break;
                }
            }
            int shortSide = (int) Math.round(longSide / aspect);
            boolean portrait = random.nextDouble() < PORTRAIT_SHARE;
            int width = portrait ? shortSide : longSide;
            int height = portrait ? longSide : shortSide;
            RgbImage photo = resize(photos.get(i % photos.size()), width, height);
            requests.add(ImageRequest.of("photo" + i + "-" + width + "x" + height, photo));
        }
        return requests;
    }

    /** The fixture's photos, decoded. */
    static List<RgbImage> photos() throws IOException, FetchException {
        List<Path> files;
        try (Stream<Path> list = Files.list(IMAGES)) {
            files = list.filter(f -> f.toString().endsWith(".png")).sorted().toList();
        }
        ImageDecoder decoder = new ImageDecoder(36_000_000L, false);
        List<RgbImage> images = new ArrayList<>();
        for (Path file : files) {
            images.add(decoder.decode(Files.readAllBytes(file), file.toString(), null));
        }
        return images;
    }

    private static BufferedImage toBuffered(RgbImage image) {
        BufferedImage buffered = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        byte[] px = image.pixels();
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                int o = (y * image.width() + x) * 3;
                buffered.setRGB(x, y, (px[o] & 0xff) << 16 | (px[o + 1] & 0xff) << 8 | (px[o + 2] & 0xff));
            }
        }
        return buffered;
    }

    private static RgbImage resize(RgbImage image, int width, int height) {
        BufferedImage source = toBuffered(image);
        BufferedImage target = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        var g = target.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(source, 0, 0, width, height, null);
        g.dispose();
        byte[] out = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int rgb = target.getRGB(x, y);
                int o = (y * width + x) * 3;
                out[o] = (byte) (rgb >> 16);
                out[o + 1] = (byte) (rgb >> 8);
                out[o + 2] = (byte) rgb;
            }
        }
        return new RgbImage(width, height, out);
    }
}
