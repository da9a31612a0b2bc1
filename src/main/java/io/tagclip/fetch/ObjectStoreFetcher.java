package io.tagclip.fetch;

import io.tagclip.fetch.FetchException.Reason;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;

/**
 * Fetches one object through its {@link ObjectStore} with the guarantees of an http fetch: allow-list and address
 * guard before any request; the size from {@link ObjectStore#head} checked before any byte of the body is read; the
 * body bounded by {@code maxBytes} and the read timeout while it streams; throttling, 5xx, a changed object and
 * timeouts retried with doubling back-off, nothing else.
 *
 * <p>Worst-case time: {@code maxAttempts * 2 * (connectTimeout + readTimeout) + retryBackoff * (2^(maxAttempts-1) -
 * 1)}: each attempt is a HEAD and a GET, each bounded by the store's client timeouts.
 */
final class ObjectStoreFetcher {

    private static final int HTTP_PORT = 80;
    private static final int HTTPS_PORT = 443;

    private final FetchSettings settings;
    private final AddressGuard guard;

    ObjectStoreFetcher(FetchSettings settings, AddressGuard guard) {
        this.settings = settings;
        this.guard = guard;
    }

    static long worstCaseMillis(FetchSettings s) {
        long perRequest = s.connectTimeout().toMillis() + s.readTimeout().toMillis();
        long backoff = s.retryBackoff().toMillis() * ((1L << (s.maxAttempts() - 1)) - 1);
        return s.maxAttempts() * 2L * perRequest + backoff;
    }

    FetchedBytes fetch(URI uri, ObjectStore store) throws FetchException, InterruptedException {
        ObjectLocation location = store.locate(uri);
        store.allowList().check(location);
        Optional<URI> endpoint = store.endpoint(location);
        if (endpoint.isPresent()) {
            URI e = endpoint.get();
            if (e.getHost() == null) {
                throw new FetchException(Reason.UNSUPPORTED_SCHEME, "endpoint " + e + " of " + uri + " has no host");
            }
            guard.check(e.getHost(), port(e));
        }
        long backoff = settings.retryBackoff().toMillis();
        for (int attempt = 1; ; attempt++) {
            boolean last = attempt == settings.maxAttempts();
            try {
                return once(uri, store, location, attempt);
            } catch (FetchException e) {
                if (!e.isRetryable() || last) {
                    throw e.withAttempts(attempt);
                }
            }
            Thread.sleep(backoff);
            backoff *= 2;
        }
    }

    private FetchedBytes once(URI uri, ObjectStore store, ObjectLocation location, int attempt)
            throws FetchException, InterruptedException {
        ObjectInfo info = store.head(location);
        if (info.size() > settings.maxBytes()) {
            throw new FetchException(
                    Reason.TOO_LARGE,
                    uri + " has " + info.size() + " bytes, limit " + settings.maxBytes() + " (not downloaded)");
        }
        long deadline = System.nanoTime() + settings.readTimeout().toNanos();
        BoundedSink sink = new BoundedSink(settings.maxBytes(), info.size(), deadline);
        try {
            store.download(location, info, sink);
        } catch (FetchException e) {
            throw sinkRefusal(uri, sink, e);
        }
        FetchException refused = sinkRefusal(uri, sink, null);
        if (refused != null) {
            throw refused;
        }
        return new FetchedBytes(uri, sink.bytes(), info.contentType(), attempt, info.etag(), info.versionId());
    }

    /** The sink's own reason to stop when it stopped the download, else {@code failure} as it is. */
    private static FetchException sinkRefusal(URI uri, BoundedSink sink, FetchException failure) {
        if (sink.refusal() == null) {
            return failure;
        }
        if (sink.overflowed()) {
            return new FetchException(Reason.TOO_LARGE, uri + ": " + sink.refusal(), 1, failure);
        }
        return new FetchException(Reason.TIMEOUT, uri + ": " + sink.refusal(), 1, failure);
    }

    private static int port(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        return scheme.equals("http") ? HTTP_PORT : HTTPS_PORT;
    }
}
