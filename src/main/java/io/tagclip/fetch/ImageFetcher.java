package io.tagclip.fetch;

import io.tagclip.fetch.FetchException.Reason;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fetches the bytes behind an image URI: {@code http}/{@code https} with the JDK {@link HttpClient}, {@code file}
 * only when enabled and only under the configured roots, and the schemes of the {@link ObjectStore}s it was given
 * (through {@link ObjectStoreFetcher}). Redirects are followed by hand so that every target passes the
 * {@link AddressGuard}; 5xx answers and timeouts are retried with exponential back-off, nothing else is.
 *
 * <p>Worst-case time for one http URI: {@code (maxRedirects + 1) * (maxAttempts * (connectTimeout + readTimeout) +
 * retryBackoff * (2^(maxAttempts-1) - 1))}; for an object, two requests per attempt and no redirects; see
 * {@link #worstCaseMillis}. Thread-safe.
 */
public final class ImageFetcher {

    private static final int HTTP_PORT = 80;
    private static final int HTTPS_PORT = 443;
    private static final Set<String> BUILT_IN = Set.of("http", "https", "file");

    private final FetchSettings settings;
    private final AddressGuard guard;
    private final HttpClient client;
    private final List<Path> fileRoots;
    private final Map<String, ObjectStore> stores;
    private final ObjectStoreFetcher objectFetcher;

    /** A fetcher of http, https and (when enabled) file URIs. */
    public ImageFetcher(FetchSettings settings) {
        this(settings, List.of());
    }

    /**
     * A fetcher that also serves the schemes of {@code stores}.
     *
     * @throws IllegalArgumentException when two stores, or a store and a built-in scheme, claim the same scheme
     */
    public ImageFetcher(FetchSettings settings, List<ObjectStore> stores) {
        this.settings = Objects.requireNonNull(settings, "settings");
        Map<String, ObjectStore> byScheme = new LinkedHashMap<>();
        for (ObjectStore store : stores) {
            String scheme = store.scheme().toLowerCase(Locale.ROOT);
            if (BUILT_IN.contains(scheme) || byScheme.putIfAbsent(scheme, store) != null) {
                throw new IllegalArgumentException("scheme '" + scheme + "' is served twice");
            }
        }
        this.stores = Map.copyOf(byScheme);
        this.guard = new AddressGuard(settings.addressGuard(), settings.allowList());
        this.client = HttpClient.newBuilder()
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.fileRoots =
                settings.fileRoots().stream().map(ImageFetcher::realRoot).toList();
        this.objectFetcher = new ObjectStoreFetcher(settings, guard);
    }

    /** Upper bound of {@link #fetch}'s duration under these settings, in milliseconds, for any scheme. */
    public static long worstCaseMillis(FetchSettings s) {
        long perAttempt = s.connectTimeout().toMillis() + s.readTimeout().toMillis();
        long backoff = s.retryBackoff().toMillis() * ((1L << (s.maxAttempts() - 1)) - 1);
        long http = (s.maxRedirects() + 1L) * (s.maxAttempts() * perAttempt + backoff);
        return Math.max(http, ObjectStoreFetcher.worstCaseMillis(s));
    }

    /**
     * Fetches {@code uriText}.
     *
     * @throws FetchException       with the reason and the bad value when the bytes cannot be had
     * @throws InterruptedException when the calling thread is interrupted (shutdown), never turned into a failure
     */
    public FetchedBytes fetch(String uriText) throws FetchException, InterruptedException {
        URI uri = parse(uriText);
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        return switch (scheme) {
            case "http", "https" -> fetchHttp(uri);
            case "file" -> readFile(uri);
            default -> {
                ObjectStore store = stores.get(scheme);
                if (store == null) {
                    throw new FetchException(
                            Reason.UNSUPPORTED_SCHEME,
                            "scheme '" + uri.getScheme() + "' of " + uriText + " is not supported (" + schemes() + ")");
                }
                yield objectFetcher.fetch(uri, store);
            }
        };
    }

    /** The schemes served, for messages. */
    private String schemes() {
        List<String> names = new ArrayList<>(List.of("http", "https"));
        if (settings.fileEnabled()) {
            names.add("file");
        }
        names.addAll(new TreeSet<>(stores.keySet()));
        return String.join(", ", names);
    }

    private static URI parse(String uriText) throws FetchException {
        if (uriText == null || uriText.isBlank()) {
            throw new FetchException(Reason.UNSUPPORTED_SCHEME, "empty URI");
        }
        URI uri;
        try {
            uri = new URI(uriText.strip());
        } catch (URISyntaxException e) {
            throw new FetchException(
                    Reason.UNSUPPORTED_SCHEME, "malformed URI " + uriText + ": " + e.getReason(), 1, e);
        }
        if (uri.getScheme() == null) {
            throw new FetchException(Reason.UNSUPPORTED_SCHEME, "URI " + uriText + " has no scheme");
        }
        return uri;
    }

    private FetchedBytes fetchHttp(URI first) throws FetchException, InterruptedException {
        URI current = first;
        for (int hop = 0; ; hop++) {
            if (current.getHost() == null) {
                throw new FetchException(Reason.UNSUPPORTED_SCHEME, "URI " + current + " has no host");
            }
            guard.check(current.getHost(), port(current));
            Answer answer = sendWithRetries(current);
            int status = answer.response.statusCode();
            if (status / 100 == 2) {
                String type =
                        answer.response.headers().firstValue("Content-Type").orElse(null);
                String etag = answer.response
                        .headers()
                        .firstValue("ETag")
                        .map(ObjectInfo::plainEtag)
                        .orElse(null);
                return new FetchedBytes(current, answer.response.body(), type, answer.attempts, etag, null);
            }
            if (isRedirect(status)) {
                if (hop == settings.maxRedirects()) {
                    throw new FetchException(
                            Reason.HTTP_ERROR,
                            "more than " + settings.maxRedirects() + " redirects starting at " + first + " (last: "
                                    + current + ")");
                }
                current = redirectTarget(current, answer.response);
                continue;
            }
            throw statusFailure(current, status, answer.attempts);
        }
    }

    /** The port a request to {@code uri} connects to: its own, or the scheme's default. */
    private static int port(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return uri.getScheme().equalsIgnoreCase("https") ? HTTPS_PORT : HTTP_PORT;
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static URI redirectTarget(URI from, HttpResponse<byte[]> response) throws FetchException {
        String location = response.headers()
                .firstValue("Location")
                .orElseThrow(() -> new FetchException(
                        Reason.HTTP_ERROR, "HTTP " + response.statusCode() + " without Location from " + from));
        URI target;
        try {
            target = from.resolve(new URI(location));
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new FetchException(Reason.HTTP_ERROR, "bad redirect Location '" + location + "' from " + from, 1, e);
        }
        String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new FetchException(
                    Reason.UNSUPPORTED_SCHEME, "redirect from " + from + " to " + target + " leaves http/https");
        }
        return target;
    }

    private static FetchException statusFailure(URI uri, int status, int attempts) {
        Reason reason = switch (status) {
            case 404, 410 -> Reason.NOT_FOUND;
            case 401, 403 -> Reason.ACCESS_DENIED;
            default -> Reason.HTTP_ERROR;
        };
        return new FetchException(reason, "HTTP " + status + " from " + uri, attempts, null);
    }

    private record Answer(HttpResponse<byte[]> response, int attempts) {}

    /** One hop: retries 5xx and timeouts with doubling back-off; returns the last answer. */
    private Answer sendWithRetries(URI uri) throws FetchException, InterruptedException {
        long backoff = settings.retryBackoff().toMillis();
        for (int attempt = 1; ; attempt++) {
            boolean last = attempt == settings.maxAttempts();
            try {
                HttpResponse<byte[]> response = sendOnce(uri);
                if (response.statusCode() / 100 != 5 || last) {
                    return new Answer(response, attempt);
                }
            } catch (FetchException e) {
                if (e.reason() != Reason.TIMEOUT || last) {
                    throw e.withAttempts(attempt);
                }
            }
            Thread.sleep(backoff);
            backoff *= 2;
        }
    }

    private HttpResponse<byte[]> sendOnce(URI uri) throws FetchException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(settings.readTimeout())
                .header("User-Agent", settings.userAgent())
                .header("Accept", "image/*")
                .GET()
                .build();
        long maxBytes = settings.maxBytes();
        CompletableFuture<HttpResponse<byte[]>> future = client.sendAsync(
                request,
                info -> info.statusCode() / 100 == 2
                        ? new LimitedBodySubscriber(
                                maxBytes,
                                info.headers()
                                        .firstValueAsLong("Content-Length")
                                        .orElse(-1))
                        : HttpResponse.BodySubscribers.replacing(null));
        try {
            return future.get(settings.readTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new FetchException(
                    Reason.TIMEOUT,
                    "no complete answer from " + uri + " within "
                            + settings.readTimeout().toMillis() + " ms",
                    1,
                    e);
        } catch (InterruptedException e) {
            future.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            throw transportFailure(uri, e.getCause());
        }
    }

    private FetchException transportFailure(URI uri, Throwable cause) {
        if (cause instanceof LimitedBodySubscriber.BodyTooLargeException) {
            return new FetchException(Reason.TOO_LARGE, uri + ": " + cause.getMessage(), 1, cause);
        }
        if (cause instanceof HttpTimeoutException) {
            return new FetchException(
                    Reason.TIMEOUT, "timed out talking to " + uri + ": " + cause.getMessage(), 1, cause);
        }
        if (cause instanceof ConnectException) {
            return new FetchException(Reason.HTTP_ERROR, "cannot connect to " + uri + ": " + cause, 1, cause);
        }
        return new FetchException(Reason.HTTP_ERROR, "request to " + uri + " failed: " + cause, 1, cause);
    }

    private FetchedBytes readFile(URI uri) throws FetchException {
        if (!settings.fileEnabled()) {
            throw new FetchException(Reason.UNSUPPORTED_SCHEME, "file URIs are disabled: " + uri);
        }
        Path path;
        try {
            path = Path.of(uri);
        } catch (IllegalArgumentException | FileSystemNotFoundException e) {
            throw new FetchException(Reason.UNSUPPORTED_SCHEME, "bad file URI " + uri + ": " + e.getMessage(), 1, e);
        }
        try {
            Path real = path.toRealPath();
            if (fileRoots.stream().noneMatch(real::startsWith)) {
                throw new FetchException(
                        Reason.ACCESS_DENIED, "file " + real + " is outside the allowed roots " + fileRoots);
            }
            long size = Files.size(real);
            if (size > settings.maxBytes()) {
                throw new FetchException(
                        Reason.TOO_LARGE, "file " + real + " has " + size + " bytes, limit " + settings.maxBytes());
            }
            return new FetchedBytes(uri, Files.readAllBytes(real), null, 1);
        } catch (NoSuchFileException e) {
            throw new FetchException(Reason.NOT_FOUND, "no such file " + path, 1, e);
        } catch (AccessDeniedException e) {
            throw new FetchException(Reason.ACCESS_DENIED, "cannot read " + path, 1, e);
        } catch (IOException e) {
            throw new FetchException(Reason.NOT_FOUND, "cannot read " + path + ": " + e, 1, e);
        }
    }

    private static Path realRoot(Path root) {
        try {
            return root.toRealPath();
        } catch (IOException e) {
            throw new IllegalArgumentException("file root " + root + " does not exist or cannot be read", e);
        }
    }
}
