package io.tagclip.fetch;

import io.tagclip.image.RgbImage;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The service's {@link ImageLoader}: {@link ImageFetcher} (http, https, enabled file: URIs and the schemes of its
 * object stores), then {@link ImageDecoder} under a {@link DecodeGuard}, so that the decoded pixels of all fetch
 * threads together stay within {@link FetchSettings#maxDecodedBytes} and no decode holds a fetch thread past
 * {@link FetchSettings#decodeTimeout}. Every loaded image carries the SHA-256 of its bytes and the ETag and version
 * its server or store gave them.
 */
public final class UriImageLoader implements ImageLoader {

    private final ImageFetcher fetcher;
    private final DecodeGuard guard;
    private final int keepLongSide;

    /** A loader of http, https and (when enabled) file URIs that decodes every image at full size. */
    public UriImageLoader(FetchSettings settings) {
        this(settings, List.of(), 0);
    }

    /**
     * @param stores       object stores whose schemes ({@code s3}, {@code az}) the loader also serves
     * @param keepLongSide the longest side the pipeline keeps of an image (it scales longer ones down), or 0 where it
     *                     keeps every pixel; images at least 4 times as long are decoded subsampled
     *                     ({@link ImageDecoder#plan})
     */
    public UriImageLoader(FetchSettings settings, List<ObjectStore> stores, int keepLongSide) {
        if (keepLongSide < 0) {
            throw new IllegalArgumentException("keepLongSide must be >= 0, got " + keepLongSide);
        }
        this.fetcher = new ImageFetcher(settings, stores);
        ImageDecoder decoder = new ImageDecoder(
                settings.maxPixels(),
                settings.applyExifOrientation(),
                settings.strictDecode(),
                settings.maxJpegScans());
        this.guard = new DecodeGuard(decoder, new DecodeBudget(settings.maxDecodedBytes()), settings.decodeTimeout());
        this.keepLongSide = keepLongSide;
    }

    @Override
    public RgbImage load(String uri, String claimedType) throws FetchException, InterruptedException {
        return loadWithSource(uri, claimedType).image();
    }

    @Override
    public LoadedImage loadWithSource(String uri, String claimedType) throws FetchException, InterruptedException {
        FetchedBytes fetched = fetcher.fetch(uri);
        String type = fetched.contentType() != null ? fetched.contentType() : claimedType;
        RgbImage image = guard.decode(fetched.bytes(), fetched.uri().toString(), type, keepLongSide);
        return new LoadedImage(image, new SourceMetadata(fetched.etag(), fetched.versionId(), sha256(fetched.bytes())));
    }

    /**
     * Decodes bytes that came without a URI (an upload) at full size, under the same limits, memory budget and
     * deadline as fetched images.
     */
    public RgbImage decodeFullSize(byte[] bytes, String source, String claimedType)
            throws FetchException, InterruptedException {
        return guard.decode(bytes, source, claimedType, 0);
    }

    /** Decodes abandoned at their deadline that have not ended yet. */
    public int abandonedDecodes() {
        return guard.abandonedRunning();
    }

    /** The budget every decode of this loader reserves from. */
    public DecodeBudget budget() {
        return guard.budget();
    }

    /** Lower-case hex SHA-256 of {@code bytes}. */
    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
