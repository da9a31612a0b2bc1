package io.tagclip.fetch;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** Small images with known pixels, encoded with ImageIO. */
final class TestImages {

    private TestImages() {}

    /** A w x h RGB image whose pixel (x, y) is (40*x, 40*y, 200), exactly representable in lossless formats. */
    static BufferedImage gradient(int w, int h) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                image.setRGB(x, y, rgbAt(x, y));
            }
        }
        return image;
    }

    /** {@link #gradient} as a palette image, so that GIF stores it without colour reduction. */
    static BufferedImage indexed(int w, int h) {
        int[] palette = new int[w * h];
        for (int i = 0; i < palette.length; i++) {
            palette[i] = rgbAt(i % w, i / w);
        }
        IndexColorModel model = new IndexColorModel(8, palette.length, palette, 0, false, -1, DataBuffer.TYPE_BYTE);
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED, model);
        for (int i = 0; i < palette.length; i++) {
            image.getRaster().setSample(i % w, i / w, 0, i);
        }
        return image;
    }

    static int rgbAt(int x, int y) {
        return (40 * x) << 16 | (40 * y) << 8 | 200;
    }

    static byte[] encode(BufferedImage image, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] png(int w, int h) {
        return encode(gradient(w, h), "png");
    }
}
