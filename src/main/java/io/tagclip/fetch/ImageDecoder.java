package io.tagclip.fetch;

import io.tagclip.fetch.FetchException.Reason;
import io.tagclip.image.RgbImage;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.SampleModel;
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
import java.util.function.BooleanSupplier;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.event.IIOReadProgressListener;
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
 * fails the image. Lenient mode keeps ImageIO's behaviour.
 *
 * <p>Decoding comes in two steps so that a caller can act between them: {@link #plan} reads the header and checks it
 * against the limits, and estimates the memory the decode will take; {@link #decode(byte[], Plan, String,
 * BooleanSupplier)} then decodes. Where the caller will scale the image down anyway, the plan has ImageIO skip pixels
 * while decoding ({@code ImageReadParam.setSourceSubsampling}) by an integer factor that still leaves at least twice
 * the pixels the caller keeps, so a 36-megapixel photo no longer has to be held at full size. Thread-safe.
 */
public final class ImageDecoder {

    static {
        // Registers the TwelveMonkeys readers even when the context class loader did not see them at first use.
        ImageIO.scanForPlugins();
    }

    /** Bytes per pixel of the decoded {@link RgbImage}. */
    private static final int RGB_BYTES_PER_PIXEL = 3;

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
     * What decoding an image will take, read from its header before any pixel is decoded.
     *
     * @param format       the format its magic bytes name
     * @param width        width its header declares
     * @param height       height its header declares
     * @param subsampling  the decode keeps every {@code subsampling}-th pixel of every {@code subsampling}-th row (1:
     *                     every pixel)
     * @param decodedBytes estimated heap the decode holds at its peak: the reader's raster at the decoded size (its
     *                     bytes per pixel from the reader's image type: 8 for 16-bit RGBA) and the 3-byte RGB copy
     */
    public record Plan(ImageFormat format, int width, int height, int subsampling, long decodedBytes) {

        /** Width of the decoded image. */
        public int decodedWidth() {
            return (width + subsampling - 1) / subsampling;
        }

        /** Height of the decoded image. */
        public int decodedHeight() {
            return (height + subsampling - 1) / subsampling;
        }
    }

    /**
     * Decodes {@code bytes} at full size.
     *
     * @param source      names the image in messages (its URI)
     * @param claimedType the Content-Type the sender claimed, or {@code null}; only quoted in messages
     */
    public RgbImage decode(byte[] bytes, String source, String claimedType) throws FetchException {
        return decode(bytes, plan(bytes, source, claimedType, 0), source, () -> false);
    }

    /**
     * Reads the header of {@code bytes} and checks it against the limits (pixel count, JPEG scans, and in strict mode
     * the file's structure) without decoding a pixel.
     *
     * @param keepLongSide the longest side the caller keeps of the image (it scales larger ones down), or 0 to decode
     *                     at full size; an image whose long side is at least 4 times this is decoded subsampled by the
     *                     largest integer factor that keeps its long side at least twice this ({@link #subsampling})
     * @throws FetchException {@code UNSUPPORTED_FORMAT}, {@code TOO_LARGE} or {@code UNDECODABLE}, naming the value
     */
    public Plan plan(byte[] bytes, String source, String claimedType, int keepLongSide) throws FetchException {
        ImageFormat format = ImageFormat.sniff(bytes)
                .orElseThrow(() -> new FetchException(
                        Reason.UNSUPPORTED_FORMAT,
                        source + " is not JPEG, PNG, GIF, BMP or WebP: first bytes " + ImageFormat.head(bytes)
                                + (claimedType == null ? "" : ", claimed type " + claimedType)));
        ImageReader reader = reader(format, source);
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
            int factor = subsampling(width, height, keepLongSide);
            long decodedPixels = ((width + factor - 1) / factor) * ((height + factor - 1) / factor);
            long bytesPerPixel = rasterBytesPerPixel(reader) + RGB_BYTES_PER_PIXEL;
            return new Plan(format, (int) width, (int) height, factor, decodedPixels * bytesPerPixel);
        } catch (IOException | RuntimeException e) {
            // Decoders signal corrupt input with IOException or with assorted runtime exceptions alike.
            throw new FetchException(Reason.UNDECODABLE, "cannot decode " + format + " " + source + ": " + e, 1, e);
        } finally {
            reader.dispose();
        }
    }

    /**
     * The integer factor to subsample an image of {@code width x height} by when the caller keeps at most
     * {@code keepLongSide} pixels of its long side: the largest that leaves the long side at least twice that, so the
     * caller's own resize still averages real pixels; 1 (no subsampling) when {@code keepLongSide} is 0 or the image
     * is less than 4 times as long.
     */
    public static int subsampling(long width, long height, int keepLongSide) {
        if (keepLongSide <= 0) {
            return 1;
        }
        long factor = Math.max(width, height) / (2L * keepLongSide);
        return (int) Math.max(1, Math.min(factor, Integer.MAX_VALUE));
    }

    /**
     * Decodes {@code bytes} as {@link #plan} found them.
     *
     * @param abandoned polled while the reader reports progress (between rows or passes); once it is true the reader
     *                  is aborted and the decode ends with {@code TIMEOUT}. A reader that reports no progress during
     *                  a long stretch (a JPEG consuming its scans) cannot be stopped this way: run the decode where its
     *                  caller can stop waiting ({@link DecodeGuard}).
     */
    public RgbImage decode(byte[] bytes, Plan plan, String source, BooleanSupplier abandoned) throws FetchException {
        RgbImage image = toRgb(read(bytes, plan, source, abandoned), source);
        if (plan.format() == ImageFormat.JPEG && applyExifOrientation) {
            image = ExifOrientation.apply(image, ExifOrientation.read(bytes));
        }
        return image;
    }

    private BufferedImage read(byte[] bytes, Plan plan, String source, BooleanSupplier abandoned)
            throws FetchException {
        ImageFormat format = plan.format();
        ImageReader reader = reader(format, source);
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            List<String> warnings = new ArrayList<>();
            if (strict) {
                reader.addIIOReadWarningListener((r, warning) -> warnings.add(warning));
            }
            AbortWhenAbandoned progress = new AbortWhenAbandoned(abandoned);
            reader.addIIOReadProgressListener(progress);
            ImageReadParam param = reader.getDefaultReadParam();
            if (plan.subsampling() > 1) {
                param.setSourceSubsampling(plan.subsampling(), plan.subsampling(), 0, 0);
            }
            BufferedImage image = reader.read(0, param);
            if (progress.aborted) {
                throw new FetchException(Reason.TIMEOUT, "decoding " + source + " was abandoned");
            }
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

    private static ImageReader reader(ImageFormat format, String source) throws FetchException {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.imageIoName());
        if (!readers.hasNext()) {
            throw new FetchException(
                    Reason.UNSUPPORTED_FORMAT, "no ImageIO reader for " + format + " (" + source + ")");
        }
        return readers.next();
    }

    /**
     * Bytes per pixel of the raster {@code reader} decodes into: its raw image type's data elements per pixel times
     * their size, so 8 for 16-bit RGBA, 3 for 8-bit RGB, 1 for a palette. 4 (one int per pixel) when the reader cannot
     * say.
     */
    private static long rasterBytesPerPixel(ImageReader reader) {
        try {
            ImageTypeSpecifier type = reader.getRawImageType(0);
            if (type == null) {
                Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
                type = types.hasNext() ? types.next() : null;
            }
            if (type == null) {
                return Integer.BYTES;
            }
            SampleModel model = type.getSampleModel(1, 1);
            long bits = (long) model.getNumDataElements() * DataBuffer.getDataTypeSize(model.getTransferType());
            return Math.max(1, (bits + Byte.SIZE - 1) / Byte.SIZE);
        } catch (IOException | RuntimeException e) {
            return Integer.BYTES;
        }
    }

    /** Aborts the read, on the reading thread (the JDK's JPEG reader refuses an abort from another one), once asked. */
    private static final class AbortWhenAbandoned implements IIOReadProgressListener {

        private final BooleanSupplier abandoned;
        private boolean aborted;

        AbortWhenAbandoned(BooleanSupplier abandoned) {
            this.abandoned = abandoned;
        }

        private void check(ImageReader source) {
            if (!aborted && abandoned.getAsBoolean()) {
                aborted = true;
                source.abort();
            }
        }

        @Override
        public void imageStarted(ImageReader source, int imageIndex) {
            check(source);
        }

        @Override
        public void imageProgress(ImageReader source, float percentageDone) {
            check(source);
        }

        @Override
        public void sequenceStarted(ImageReader source, int minIndex) {}

        @Override
        public void sequenceComplete(ImageReader source) {}

        @Override
        public void imageComplete(ImageReader source) {}

        @Override
        public void thumbnailStarted(ImageReader source, int imageIndex, int thumbnailIndex) {}

        @Override
        public void thumbnailProgress(ImageReader source, float percentageDone) {}

        @Override
        public void thumbnailComplete(ImageReader source) {}

        @Override
        public void readAborted(ImageReader source) {}
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
