package io.tagclip.fetch;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferUShort;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.function.IntUnaryOperator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/** Small images with known pixels, encoded with ImageIO. */
public final class TestImages {

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

    /** A w x h palette image of seeded random colours from the default 256-colour palette. */
    static BufferedImage indexedNoise(int w, int h, long seed) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED);
        Random random = new Random(seed);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                image.getRaster().setSample(x, y, 0, random.nextInt(256));
            }
        }
        return image;
    }

    /** An animated GIF of {@code frames} w x h frames of noise, written by the JDK's GIF writer. */
    static byte[] animatedGif(int w, int h, int frames) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.prepareWriteSequence(null);
            for (int f = 0; f < frames; f++) {
                writer.writeToSequence(new IIOImage(indexedNoise(w, h, f), null, null), null);
            }
            writer.endWriteSequence();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /** A BMP of 8-bit palette noise, run-length encoded ({@code BI_RLE8}) by the JDK's BMP writer. */
    static byte[] rle8Bmp(int w, int h) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("bmp").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionType("BI_RLE8");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.write(null, new IIOImage(indexedNoise(w, h, 3), null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /**
     * A RIFF/WEBP container of the given chunks, each given as its four-character code followed by its payload
     * length: the payload is filler, odd payloads get their pad byte, and the RIFF size counts everything.
     */
    static byte[] webpContainer(Object... fourCcAndLength) {
        ByteArrayOutputStream chunks = new ByteArrayOutputStream();
        for (int i = 0; i < fourCcAndLength.length; i += 2) {
            String fourCc = (String) fourCcAndLength[i];
            int length = (Integer) fourCcAndLength[i + 1];
            chunks.writeBytes(fourCc.getBytes(StandardCharsets.US_ASCII));
            chunks.writeBytes(littleEndian(length));
            chunks.writeBytes(new byte[length + (length & 1)]);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("RIFF".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(littleEndian(4 + chunks.size()));
        out.writeBytes("WEBP".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(chunks.toByteArray());
        return out.toByteArray();
    }

    /** A w x h PNG of 16-bit RGBA samples (8 bytes a pixel decoded), a smooth ramp that compresses well. */
    public static byte[] png16Rgba(int w, int h) {
        return png16Rgba(w, h, i -> i * 37);
    }

    /**
     * A w x h PNG of 16-bit RGBA samples in grey rows: a file of well under a megabyte even at 36 MP, whose decoded
     * raster is still 8 bytes a pixel (an image within every byte limit that only its pixels make large).
     */
    public static byte[] flatPng16Rgba(int w, int h) {
        return png16Rgba(w, h, i -> (i / (w * 4)) * 11);
    }

    private static byte[] png16Rgba(int w, int h, IntUnaryOperator sample) {
        ComponentColorModel model = new ComponentColorModel(
                ColorSpace.getInstance(ColorSpace.CS_sRGB),
                true,
                false,
                Transparency.TRANSLUCENT,
                DataBuffer.TYPE_USHORT);
        WritableRaster raster = model.createCompatibleWritableRaster(w, h);
        short[] samples = ((DataBufferUShort) raster.getDataBuffer()).getData();
        for (int i = 0; i < samples.length; i++) {
            samples[i] = (short) sample.applyAsInt(i);
        }
        return encode(new BufferedImage(model, raster, false, null), "png");
    }

    /** {@code image} as a progressive JPEG, written by the JDK's writer with libjpeg's script (10 scans in colour). */
    static byte[] progressiveJpeg(BufferedImage image) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /**
     * A side x side progressive JPEG whose last scan (a refinement of the whole image) is repeated {@code extra} more
     * times before the end-of-image marker: a valid file that makes the decoder refine the image once per scan.
     */
    public static byte[] manyScanJpeg(int side, int extra) {
        BufferedImage smooth = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                smooth.setRGB(x, y, (x & 0xFF) << 16 | (y & 0xFF) << 8 | ((x + y) & 0xFF));
            }
        }
        byte[] jpeg = progressiveJpeg(smooth);
        int lastScan = -1;
        for (int i = 0; i + 1 < jpeg.length; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xDA) {
                lastScan = i;
            }
        }
        int end = jpeg.length - 2; // the end-of-image marker
        ByteArrayOutputStream out = new ByteArrayOutputStream(jpeg.length + extra * (end - lastScan));
        out.write(jpeg, 0, end);
        for (int i = 0; i < extra; i++) {
            out.write(jpeg, lastScan, end - lastScan);
        }
        out.write(jpeg, end, 2);
        return out.toByteArray();
    }

    /** {@code value} as 4 little-endian bytes, as RIFF and BMP store sizes. */
    static byte[] littleEndian(int value) {
        return ByteBuffer.allocate(4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(value)
                .array();
    }
}
