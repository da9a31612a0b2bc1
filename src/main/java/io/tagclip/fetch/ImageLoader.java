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
}
