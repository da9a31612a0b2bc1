package io.tagclip.fetch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Limits and switches of fetching and decoding.
 *
 * @param connectTimeout       longest time to open a TCP/TLS connection
 * @param readTimeout          longest time from sending a request until its whole body has arrived
 * @param maxBytes             largest accepted body or file; bigger ones are aborted while streaming
 * @param maxAttempts          requests per URI, counting the first, when the server answers 5xx or times out
 * @param retryBackoff         pause before the first retry; doubled before each further one
 * @param maxRedirects         redirects followed per URI; every target passes the address guard again
 * @param maxPixels            largest accepted width x height, read from the header before decoding
 * @param fileEnabled          whether {@code file:} URIs are served at all
 * @param fileRoots            directories {@code file:} URIs must resolve under (after following links)
 * @param addressGuard         whether the SSRF guard refuses private, loopback, link-local and metadata addresses
 * @param allowList            what the guard lets through anyway: host, IP or CIDR (every port), or the same with
 *                             {@code :port} (that port only)
 * @param applyExifOrientation whether JPEGs are rotated/flipped as their EXIF orientation tag says
 * @param userAgent            User-Agent header sent with every request
 * @param strictDecode         whether a truncated or checksum-failing image is refused ({@code UNDECODABLE}) instead
 *                             of decoded to whatever pixels the reader recovers
 * @param maxJpegScans         most scans a JPEG may have; one with more is refused ({@code UNDECODABLE}) before
 *                             decoding, since a progressive JPEG's decode time grows with its scan count
 * @param decodeTimeout        longest one image may wait for decode memory and decode, together; past it the image
 *                             is a {@code TIMEOUT} and its fetch thread is free ({@link DecodeGuard})
 * @param maxDecodedBytes      memory for the decoded pixels of all images decoding at once, estimated from their
 *                             headers ({@link DecodeBudget}); an image needing more than all of it decodes alone
 */
public record FetchSettings(
        Duration connectTimeout,
        Duration readTimeout,
        long maxBytes,
        int maxAttempts,
        Duration retryBackoff,
        int maxRedirects,
        long maxPixels,
        boolean fileEnabled,
        List<Path> fileRoots,
        boolean addressGuard,
        List<String> allowList,
        boolean applyExifOrientation,
        String userAgent,
        boolean strictDecode,
        int maxJpegScans,
        Duration decodeTimeout,
        long maxDecodedBytes) {

    /** Largest pixel count whose RGB buffer still fits one Java array. */
    public static final long PIXEL_LIMIT_CEILING = Integer.MAX_VALUE / 3;

    /**
     * Scans a JPEG may have by default: libjpeg's progressive script writes 10 for a colour image, encoders that
     * optimise the script a few dozen; a file built to stall its decoder has thousands.
     */
    public static final int DEFAULT_MAX_JPEG_SCANS = 100;

    /** Longest wait for decode memory and decode of one image by default. */
    public static final Duration DEFAULT_DECODE_TIMEOUT = Duration.ofSeconds(10);

    /** Share of the maximum heap that decoded pixels in flight may take by default, in percent. */
    public static final int DEFAULT_DECODE_HEAP_PERCENT = 25;

    public FetchSettings {
        requirePositive(connectTimeout, "connectTimeout");
        requirePositive(readTimeout, "readTimeout");
        Objects.requireNonNull(retryBackoff, "retryBackoff");
        if (maxBytes <= 0 || maxBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "maxBytes must be in 1.." + (Integer.MAX_VALUE - 8) + ", got " + maxBytes);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, got " + maxAttempts);
        }
        if (maxRedirects < 0) {
            throw new IllegalArgumentException("maxRedirects must be >= 0, got " + maxRedirects);
        }
        if (maxPixels <= 0 || maxPixels > PIXEL_LIMIT_CEILING) {
            throw new IllegalArgumentException("maxPixels must be in 1.." + PIXEL_LIMIT_CEILING + ", got " + maxPixels);
        }
        fileRoots = List.copyOf(fileRoots);
        allowList = List.copyOf(allowList);
        Objects.requireNonNull(userAgent, "userAgent");
        if (maxJpegScans < 1) {
            throw new IllegalArgumentException("maxJpegScans must be >= 1, got " + maxJpegScans);
        }
        requirePositive(decodeTimeout, "decodeTimeout");
        if (maxDecodedBytes < 1) {
            throw new IllegalArgumentException("maxDecodedBytes must be >= 1, got " + maxDecodedBytes);
        }
    }

    /** Settings with strict decoding and the default JPEG scan limit, decode deadline and decode memory. */
    public FetchSettings(
            Duration connectTimeout,
            Duration readTimeout,
            long maxBytes,
            int maxAttempts,
            Duration retryBackoff,
            int maxRedirects,
            long maxPixels,
            boolean fileEnabled,
            List<Path> fileRoots,
            boolean addressGuard,
            List<String> allowList,
            boolean applyExifOrientation,
            String userAgent) {
        this(
                connectTimeout,
                readTimeout,
                maxBytes,
                maxAttempts,
                retryBackoff,
                maxRedirects,
                maxPixels,
                fileEnabled,
                fileRoots,
                addressGuard,
                allowList,
                applyExifOrientation,
                userAgent,
                true,
                DEFAULT_MAX_JPEG_SCANS,
                DEFAULT_DECODE_TIMEOUT,
                defaultMaxDecodedBytes());
    }

    /**
     * The service's defaults: strict decoding, guard on, {@code file:} off, 3 attempts, 3 redirects, 20 MiB, 36
     * megapixels, 100 JPEG scans, 10 s to decode, a quarter of the heap for decoded pixels.
     */
    public static FetchSettings defaults() {
        return new FetchSettings(
                Duration.ofSeconds(2),
                Duration.ofSeconds(5),
                20L * 1024 * 1024,
                3,
                Duration.ofMillis(100),
                3,
                36_000_000L,
                false,
                List.of(),
                true,
                List.of(),
                true,
                "tagclip-stream-tagger",
                true,
                DEFAULT_MAX_JPEG_SCANS,
                DEFAULT_DECODE_TIMEOUT,
                defaultMaxDecodedBytes());
    }

    /** {@link #DEFAULT_DECODE_HEAP_PERCENT} of this JVM's maximum heap, in bytes. */
    public static long defaultMaxDecodedBytes() {
        return Runtime.getRuntime().maxMemory() / 100 * DEFAULT_DECODE_HEAP_PERCENT;
    }

    /** A copy whose guard lets {@code entries} through; tests use it for their loopback server. */
    public FetchSettings withAllowList(List<String> entries) {
        return new FetchSettings(
                connectTimeout,
                readTimeout,
                maxBytes,
                maxAttempts,
                retryBackoff,
                maxRedirects,
                maxPixels,
                fileEnabled,
                fileRoots,
                addressGuard,
                entries,
                applyExifOrientation,
                userAgent,
                strictDecode,
                maxJpegScans,
                decodeTimeout,
                maxDecodedBytes);
    }

    /** A copy with another decode deadline and decode memory. */
    public FetchSettings withDecodeLimits(Duration newDecodeTimeout, long newMaxDecodedBytes) {
        return new FetchSettings(
                connectTimeout,
                readTimeout,
                maxBytes,
                maxAttempts,
                retryBackoff,
                maxRedirects,
                maxPixels,
                fileEnabled,
                fileRoots,
                addressGuard,
                allowList,
                applyExifOrientation,
                userAgent,
                strictDecode,
                maxJpegScans,
                newDecodeTimeout,
                newMaxDecodedBytes);
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }
}
