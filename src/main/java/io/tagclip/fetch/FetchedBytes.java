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
 */
public record FetchedBytes(URI uri, byte[] bytes, String contentType, int attempts) {

    public FetchedBytes {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(bytes, "bytes");
    }
}
