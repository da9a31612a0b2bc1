package io.tagclip.fetch;

import io.tagclip.image.RgbImage;

/** The service's {@link ImageLoader}: {@link ImageFetcher} then {@link ImageDecoder}. */
public final class UriImageLoader implements ImageLoader {

    private final ImageFetcher fetcher;
    private final ImageDecoder decoder;

    public UriImageLoader(FetchSettings settings) {
        this.fetcher = new ImageFetcher(settings);
        this.decoder = new ImageDecoder(
                settings.maxPixels(),
                settings.applyExifOrientation(),
                settings.strictDecode(),
                settings.maxJpegScans());
    }

    @Override
    public RgbImage load(String uri, String claimedType) throws FetchException, InterruptedException {
        FetchedBytes fetched = fetcher.fetch(uri);
        String type = fetched.contentType() != null ? fetched.contentType() : claimedType;
        return decoder.decode(fetched.bytes(), fetched.uri().toString(), type);
    }
}
