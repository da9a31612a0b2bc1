package io.tagclip.fetch;

import java.io.OutputStream;
import java.net.URI;
import java.util.Optional;

/**
 * An object store behind a URI scheme ({@code s3}, {@code az}), seen through the two requests fetching needs. The
 * {@link ImageFetcher} drives it: it checks the {@link #allowList()} and the {@link #endpoint} against the address
 * guard before any request, refuses an object larger than the limit from {@link #head}'s size before any byte of it
 * is read, bounds {@link #download} by the limit and the read timeout while it streams, and retries what
 * {@link FetchException#isRetryable()} says may succeed. Implementations (with their SDKs) live outside this
 * package and make no request of their own beyond the one each method asks for (the SDK's own retries off).
 * Thread-safe.
 */
public interface ObjectStore {

    /** The URI scheme this store serves, lower case. */
    String scheme();

    /**
     * Where the object {@code uri} names is.
     *
     * @throws FetchException {@code UNSUPPORTED_SCHEME} when {@code uri} does not name an object of this store
     */
    ObjectLocation locate(URI uri) throws FetchException;

    /** The buckets or containers this store may be asked for. */
    ContainerAllowList allowList();

    /**
     * Where requests for {@code location} go when that was configured (an endpoint override, a connection string's
     * endpoint, an account's blob endpoint), so the SSRF guard can check it first; empty for the provider's own
     * public endpoints.
     *
     * @throws FetchException {@code ACCESS_DENIED} when the store has no credentials for the location's account
     */
    Optional<URI> endpoint(ObjectLocation location) throws FetchException;

    /**
     * One request for the object's size, ETag and version, without its body.
     *
     * @throws FetchException {@code NOT_FOUND} for no such object, bucket or container; {@code ACCESS_DENIED} for
     *     refused or missing credentials; {@code TIMEOUT}; a {@linkplain FetchException#retryable retryable}
     *     {@code HTTP_ERROR} for throttling and 5xx; {@code HTTP_ERROR} otherwise
     */
    ObjectInfo head(ObjectLocation location) throws FetchException, InterruptedException;

    /**
     * One request for the body of the object {@link #head} described (conditional on its ETag, and on its version
     * where it has one), written to {@code sink}. The sink may refuse to take more by throwing an
     * {@link java.io.IOException}; the caller knows why, so any mapping of it will do.
     *
     * @throws FetchException as {@link #head} does; a retryable one when the object changed since {@code info}
     */
    void download(ObjectLocation location, ObjectInfo info, OutputStream sink)
            throws FetchException, InterruptedException;
}
