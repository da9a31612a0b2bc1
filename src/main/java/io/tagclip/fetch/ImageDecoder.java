package io.tagclip.fetch;

import io.tagclip.fetch.FetchException.Reason;
import io.tagclip.image.RgbImage;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes JPEG, PNG, GIF, BMP and WebP bytes into {@link RgbImage} the way the reference's
 * {@code PIL.Image.open(f).convert('RGB')} does: grey replicated into R, G and B, alpha dropped (not composited),
 * palette expanded, CMYK/YCCK JPEGs converted (TwelveMonkeys). The pixel count is read from the header and checked
 * before any pixel is decoded, so a small file claiming a huge image (a decompression bomb) costs nothing; so is a
 * JPEG's scan count ({@link JpegScans}), so a progressive JPEG of thousands of scans, each of which the decoder would
 * apply to the whole image, is refused before it can keep a thread busy for minutes.
 *
 * <p>In strict mode (the default) a truncated or corrupt file is {@code UNDECODABLE}, with a message saying what
 * failed, where ImageIO would decode it silently to partial pixels: a JPEG must reach its end-of-image marker, every
 * PNG chunk must pass its CRC-32 and the file must reach IEND, a GIF's blocks must lead to its trailer, a BMP's
 * declared file size and pixel array must fit in the body, and a WebP's RIFF size and chunks must too
 * ({@link ImageIntegrity}); any warning a reader reports while decoding (a premature end of data, a corrupt segment)
 * fails the image. Lenient mode keeps ImageIO's behaviour. Thread-safe.
 */
public final class ImageDecoder {

    static {
        // Registers the TwelveMonkeys readers even when the context class loader did not see them at first use.
        ImageIO.scanForPlugins();
    }

    private final long maxPixels;
    private final boolean applyExifOrientation;
    private final boolean strict;
    private final int maxJpegScans;

    /** A strict decoder with the default JPEG scan limit. */
    public ImageDecoder(long maxPixels, boolean applyExifOrientation) {
        this(maxPixels, applyExifOrientation, true);
    }

    /** @param strict refuse truncated or checksum-failing images instead of decoding partial pixels */
    public ImageDecoder(long maxPixels, boolean applyExifOrientation, boolean strict) {
        this(maxPixels, applyExifOrientation, strict, FetchSettings.DEFAULT_MAX_JPEG_SCANS);
    }

    /** @param maxJpegScans most start-of-scan markers a JPEG may have; one with more is refused before decoding */
    public ImageDecoder(long maxPixels, boolean applyExifOrientation, boolean strict, int maxJpegScans) {
        if (maxPixels <= 0 || maxPixels > FetchSettings.PIXEL_LIMIT_CEILING) {
            throw new IllegalArgumentException(
                    "maxPixels must be in 1.." + FetchSettings.PIXEL_LIMIT_CEILING + ", got " + maxPixels);
        }
        if (maxJpegScans < 1) {
            throw new IllegalArgumentException("maxJpegScans must be >= 1, got " + maxJpegScans);
        }
        this.maxPixels = maxPixels;
        this.applyExifOrientation = applyExifOrientation;
        this.strict = strict;
        this.maxJpegScans = maxJpegScans;
    }

    /**
     * Decodes {@code bytes}.
     *
     * @param source      names the image in messages (its URI)
     * @param claimedType the Content-Type the sender claimed, or {@code null}; only quoted in messages
     */
    public RgbImage decode(byte[] bytes, String source, String claimedType) throws FetchException {
        ImageFormat format = ImageFormat.sniff(bytes)
                .orElseThrow(() -> new FetchException(
                        Reason.UNSUPPORTED_FORMAT,
                        source + " is not JPEG, PNG, GIF, BMP or WebP: first bytes " + ImageFormat.head(bytes)
                                + (claimedType == null ? "" : ", claimed type " + claimedType)));
        RgbImage image = toRgb(read(bytes, format, source), source);
        if (format == ImageFormat.JPEG && applyExifOrientation) {
            image = ExifOrientation.apply(image, ExifOrientation.read(bytes));
        }
        return image;
    }

    private BufferedImage read(byte[] bytes, ImageFormat format, String source) throws FetchException {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.imageIoName());
        if (!readers.hasNext()) {
            throw new FetchException(
                    Reason.UNSUPPORTED_FORMAT, "no ImageIO reader for " + format + " (" + source + ")");
        }
        ImageReader reader = readers.next();
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            long width = reader.getWidth(0);
            long height = reader.getHeight(0);
            if (width * height > maxPixels) {
                throw new FetchException(
                        Reason.TOO_LARGE,
                        source + " is " + width + "x" + height + " = " + width * height + " pixels, limit "
                                + maxPixels);
            }
            if (format == ImageFormat.JPEG) {
                int scans = JpegScans.count(bytes);
                if (scans > maxJpegScans) {
                    throw new FetchException(
                            Reason.UNDECODABLE,
                            source + " is a JPEG of " + scans + " scans, limit " + maxJpegScans
                                    + " (tagger.fetch.max-jpeg-scans): each scan is applied to the whole image");
                }
            }
            if (strict) { // after the pixel check: a decompression bomb is TOO_LARGE whatever else is wrong with it
                Optional<String> problem = ImageIntegrity.problem(bytes, format);
                if (problem.isPresent()) {
                    throw new FetchException(
                            Reason.UNDECODABLE,
                            "cannot decode " + source + ": " + problem.get()
                                    + " (tagger.fetch.strict-decode=false decodes it anyway)");
                }
            }
            List<String> warnings = new ArrayList<>();
            if (strict) {
                reader.addIIOReadWarningListener((r, warning) -> warnings.add(warning));
            }
            BufferedImage image = reader.read(0);
            if (image == null) {
                throw new FetchException(Reason.UNDECODABLE, format + " reader returned no image for " + source);
            }
            if (!warnings.isEmpty()) {
                throw new FetchException(
                        Reason.UNDECODABLE,
                        "cannot decode " + format + " " + source + ": the reader" + " warned '"
                                + String.join("', '", warnings)
                                + "' (tagger.fetch.strict-decode=false decodes it anyway)");
            }
            return image;
        } catch (IOException | RuntimeException e) {
            // Decoders signal corrupt input with IOException or with assorted runtime exceptions alike.
            throw new FetchException(Reason.UNDECODABLE, "cannot decode " + format + " " + source + ": " + e, 1, e);
        } finally {
            reader.dispose();
        }
    }

    private static RgbImage toRgb(BufferedImage image, String source) throws FetchException {
        int w = image.getWidth();
        int h = image.getHeight();
        if (w <= 0 || h <= 0) {
            throw new FetchException(Reason.UNDECODABLE, source + " decoded to an empty " + w + "x" + h + " image");
        }
        byte[] rgb = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        int[] row = new int[w];
        ColorModel model = image.getColorModel();
        if (isGrey(model)) {
            // Read grey samples directly: getRGB would map them through a linear-grey colour space and brighten them.
            Raster raster = image.getRaster();
            int max = (1 << model.getComponentSize(0)) - 1;
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    byte v = (byte) (max == 255 ? row[x] : (row[x] * 255 + max / 2) / max);
                    int i = (y * w + x) * 3;
                    rgb[i] = v;
                    rgb[i + 1] = v;
                    rgb[i + 2] = v;
                }
            }
        } else {
            for (int y = 0; y < h; y++) {
                image.getRGB(0, y, w, 1, row, 0, w); // sRGB, alpha not premultiplied; alpha is dropped below
                for (int x = 0; x < w; x++) {
                    int argb = row[x];
                    int i = (y * w + x) * 3;
                    rgb[i] = (byte) (argb >> 16);
                    rgb[i + 1] = (byte) (argb >> 8);
                    rgb[i + 2] = (byte) argb;
                }
            }
        }
        return new RgbImage(w, h, rgb);
    }

    private static boolean isGrey(ColorModel model) {
        return !(model instanceof IndexColorModel)
                && model.getColorSpace().getType() == ColorSpace.TYPE_GRAY
                && model.getComponentSize(0) <= 16;
    }

    /**
     * Reads and decodes one local file (grey replicated to RGB, alpha dropped, JPEG EXIF orientation applied).
     *
     * @throws IOException naming the file when it cannot be read or is not a decodable image
     */
    public RgbImage decodeFile(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IOException("cannot read image " + file + ": " + describe(e), e);
        }
        try {
            return decode(bytes, file.toString(), null);
        } catch (FetchException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
