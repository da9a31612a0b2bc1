package io.tagclip.fetch;

import io.tagclip.image.RgbImage;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The service's {@link ImageLoader}: {@link ImageFetcher} then {@link ImageDecoder}. Every loaded image carries the
 * SHA-256 of its bytes and the ETag and version its server or store gave them.
 */
public final class UriImageLoader implements ImageLoader {

    private final ImageFetcher fetcher;
    private final ImageDecoder decoder;

    /** A loader of http, https and (when enabled) file URIs. */
    public UriImageLoader(FetchSettings settings) {
        this(settings, List.of());
    }

    /** A loader that also serves the schemes of {@code stores} ({@code s3}, {@code az}). */
    public UriImageLoader(FetchSettings settings, List<ObjectStore> stores) {
        this.fetcher = new ImageFetcher(settings, stores);
        this.decoder = new ImageDecoder(settings.maxPixels(), settings.applyExifOrientation(), settings.strictDecode());
    }

    @Override
    public RgbImage load(String uri, String claimedType) throws FetchException, InterruptedException {
        return loadWithSource(uri, claimedType).image();
    }

    @Override
    public LoadedImage loadWithSource(String uri, String claimedType) throws FetchException, InterruptedException {
        FetchedBytes fetched = fetcher.fetch(uri);
        String type = fetched.contentType() != null ? fetched.contentType() : claimedType;
        RgbImage image = decoder.decode(fetched.bytes(), fetched.uri().toString(), type);
        return new LoadedImage(image, new SourceMetadata(fetched.etag(), fetched.versionId(), sha256(fetched.bytes())));
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
