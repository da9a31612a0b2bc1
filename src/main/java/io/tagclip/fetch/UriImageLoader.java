package io.tagclip.fetch;

import io.tagclip.image.RgbImage;

/**
 * The service's {@link ImageLoader}: {@link ImageFetcher}, then {@link ImageDecoder} under a {@link DecodeGuard}, so
 * that the decoded pixels of all fetch threads together stay within {@link FetchSettings#maxDecodedBytes} and no
 * decode holds a fetch thread past {@link FetchSettings#decodeTimeout}.
 */
public final class UriImageLoader implements ImageLoader {

    private final ImageFetcher fetcher;
    private final DecodeGuard guard;
    private final int keepLongSide;

    /** A loader that decodes every image at full size. */
    public UriImageLoader(FetchSettings settings) {
        this(settings, 0);
    }

    /**
     * @param keepLongSide the longest side the pipeline keeps of an image (it scales longer ones down), or 0 where it
     *                     keeps every pixel; images at least 4 times as long are decoded subsampled
     *                     ({@link ImageDecoder#plan})
     */
    public UriImageLoader(FetchSettings settings, int keepLongSide) {
        if (keepLongSide < 0) {
            throw new IllegalArgumentException("keepLongSide must be >= 0, got " + keepLongSide);
        }
        this.fetcher = new ImageFetcher(settings);
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
        FetchedBytes fetched = fetcher.fetch(uri);
        String type = fetched.contentType() != null ? fetched.contentType() : claimedType;
        return guard.decode(fetched.bytes(), fetched.uri().toString(), type, keepLongSide);
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
}
