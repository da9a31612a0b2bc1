package io.tagclip.fetch;

import io.tagclip.image.RgbImage;

/** Turns an image reference into decoded pixels. Implementations are thread-safe. */
@FunctionalInterface
public interface ImageLoader {

    /**
     * @param uri         where the image is
     * @param claimedType the media type the producer claimed, or {@code null}; only quoted in messages
     * @throws FetchException       when the image cannot be fetched or decoded, with the reason
     * @throws InterruptedException when the calling thread is interrupted
     */
    RgbImage load(String uri, String claimedType) throws FetchException, InterruptedException;

    /**
     * {@link #load} with the identity of the fetched bytes (ETag, version, SHA-256) where the loader knows it; this
     * default knows none.
     */
    default LoadedImage loadWithSource(String uri, String claimedType) throws FetchException, InterruptedException {
        return new LoadedImage(load(uri, claimedType), null);
    }
}
