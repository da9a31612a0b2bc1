package io.tagclip.fetch;

import java.net.URI;
import java.util.Objects;

/**
 * The body of an image URI.
 *
 * @param uri         where the bytes finally came from (after redirects)
 * @param bytes       the whole body
 * @param contentType the server's Content-Type, or {@code null}; informative only, the decoder sniffs the bytes
 * @param attempts    requests made for the final hop, counting the first
 * @param etag        the server's or store's ETag of the bytes, quotes removed, or {@code null}
 * @param versionId   the object-store version the bytes are, or {@code null} (http, unversioned buckets)
 */
public record FetchedBytes(URI uri, byte[] bytes, String contentType, int attempts, String etag, String versionId) {

    public FetchedBytes {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(bytes, "bytes");
    }

    /** Bytes without an ETag or version. */
    public FetchedBytes(URI uri, byte[] bytes, String contentType, int attempts) {
        this(uri, bytes, contentType, attempts, null, null);
    }
}
