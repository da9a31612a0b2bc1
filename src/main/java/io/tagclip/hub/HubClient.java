package io.tagclip.hub;

import io.tagclip.weights.ModelLoadException;
import io.tagclip.weights.TensorFile;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The HTTP side of hub downloads, as {@code huggingface_hub} does them: a {@code HEAD} on
 * {@code /{id}/resolve/{revision}/{file}} for the file's commit, etag and size (following same-host redirects only;
 * a cross-host redirect is where the bytes are, usually a CDN), then a {@code GET} of the bytes that sends the token
 * only to the endpoint's own host (scheme, host and port), resumes an interrupted download with a {@code Range}
 * request, gives up on a body that sends nothing for the idle timeout and retries it, and checks the final size and,
 * for LFS files, the sha256 the hub names in {@code X-Linked-Etag}.
 */
final class HubClient {

    /** Least time between two progress reports of one file. */
    static final long PROGRESS_INTERVAL_MS = 500;

    /** What a {@code HEAD} on a file says. */
    record Metadata(URI url, String commit, String etag, long size, URI download) {}

    /** Hop limit for redirects, as a browser's. */
    static final int MAX_REDIRECTS = 10;

    /** Attempts of one download (the first and the retries), each resuming where the last stopped. */
    static final int MAX_ATTEMPTS = 5;

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final String USER_AGENT = "tagclip-stream-tagger";
    private static final int BUFFERS_IN_FLIGHT = 16;

    private final HubOptions options;
    private final HttpClient http;
    private final DownloadListener listener;
    private final Duration retryBackoff;

    HubClient(HubOptions options, HttpClient http, DownloadListener listener, Duration retryBackoff) {
        this.options = options;
        this.http = http;
        this.listener = Objects.requireNonNull(listener, "listener");
        this.retryBackoff = retryBackoff;
    }

    /** An HTTP client that never follows redirects itself (this class decides where credentials go). */
    static HttpClient newHttpClient(HubOptions options) {
        return HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(options.timeout())
                .build();
    }

    /** {@code HEAD} of a file; null when the hub says the file does not exist (404 on an existing repository). */
    Metadata head(String id, String revision, String file) {
        URI url = URI.create(options.endpoint() + "/" + id + "/resolve/" + encode(revision) + "/" + file);
        URI at = url;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpResponse<Void> response = send(request(at, "HEAD"), HttpResponse.BodyHandlers.discarding(), url);
            int status = response.statusCode();
            if (status >= 300 && status < 400) {
                URI next = location(response, at, url);
                if (sameOrigin(next, at)) {
                    at = next;
                    continue;
                }
                return metadata(url, response, next);
            }
            if (status == 200) {
                return metadata(url, response, at);
            }
            String code = response.headers().firstValue("X-Error-Code").orElse("");
            if (status == 404 && !code.equals("RepoNotFound") && !code.equals("RevisionNotFound")) {
                return null;
            }
            throw refused(id, revision, url, status, code);
        }
        throw new ModelLoadException("cannot download " + url + ": more than " + MAX_REDIRECTS + " redirects");
    }

    private ModelLoadException refused(String id, String revision, URI url, int status, String code) {
        String why = switch (status) {
            case 401 ->
                code.equals("GatedRepo")
                        ? "the model " + id + " is gated: accept its terms on the hub and set HF_TOKEN"
                        : "model " + id + " not found, or gated or private (then set HF_TOKEN to a token that may read "
                                + "it); check the id";
            case 403 -> "access to " + id + " is forbidden for this token (gated or private model)";
            case 404 ->
                code.equals("RevisionNotFound")
                        ? "revision " + revision + " of " + id + " not found"
                        : "model " + id + " not found";
            default -> "HTTP " + status;
        };
        return new ModelLoadException("cannot download " + url + ": " + why + " (HTTP " + status + ")");
    }

    private Metadata metadata(URI url, HttpResponse<?> response, URI download) {
        String etag = response.headers()
                .firstValue("X-Linked-Etag")
                .or(() -> response.headers().firstValue("ETag"))
                .map(HubClient::normaliseEtag)
                .orElse(null);
        long size = response.headers()
                .firstValue("X-Linked-Size")
                .or(() -> response.headers().firstValue("Content-Length"))
                .map(HubClient::parseLong)
                .orElse(-1L);
        String commit = response.headers().firstValue("X-Repo-Commit").orElse(null);
        if (etag == null || etag.isEmpty()) {
            throw new ModelLoadException("cannot download " + url + ": the hub sent no ETag, so the file cannot be "
                    + "cached (is " + options.endpoint() + " a Hugging Face hub?)");
        }
        return new Metadata(url, commit, etag, size, download);
    }

    /**
     * Downloads the file {@code meta} describes into {@code target} (written as {@code target.incomplete} first and
     * moved into place once its size and checksum are right), resuming and retrying as the class says.
     */
    void download(String id, String file, Metadata meta, Path target) throws IOException {
        Path part = target.resolveSibling(target.getFileName() + ".incomplete");
        long started = System.nanoTime();
        long startBytes = Files.isRegularFile(part) ? Files.size(part) : 0;
        IOException last = null;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            try {
                if (!(meta.size() >= 0 && Files.isRegularFile(part) && Files.size(part) == meta.size())) {
                    transfer(id, file, meta, part, started, startBytes);
                }
                last = null;
                break;
            } catch (IOException e) {
                last = e;
                if (attempt < MAX_ATTEMPTS) {
                    sleep(retryBackoff.multipliedBy(1L << (attempt - 1)));
                }
            }
        }
        if (last != null) {
            throw new ModelLoadException(
                    "cannot download " + meta.url() + " after " + MAX_ATTEMPTS + " attempts: " + last.getMessage()
                            + " (kept " + part + " to resume)",
                    last);
        }
        verify(meta, part);
        long size = Files.size(part);
        moveIntoPlace(part, target);
        listener.onProgress(new DownloadProgress(id, file, size, size, size - startBytes, elapsed(started), true));
    }

    private void transfer(String id, String file, Metadata meta, Path part, long started, long startBytes)
            throws IOException {
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        URI at = meta.download();
        HttpResponse<Flow.Publisher<List<ByteBuffer>>> response = null;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder request = request(at, "GET");
            if (have > 0) {
                request.header("Range", "bytes=" + have + "-");
            }
            response = send(request, HttpResponse.BodyHandlers.ofPublisher(), meta.url());
            int status = response.statusCode();
            if (status < 300 || status >= 400) {
                break;
            }
            discard(response);
            at = location(response, at, meta.url());
        }
        int status = response.statusCode();
        if (status == 416 && have > 0) { // the part is whole or longer than the file: start again
            discard(response);
            Files.delete(part);
            throw new IOException("the server refused to resume at byte " + have);
        }
        if (status >= 500 || status == 429) {
            discard(response);
            throw new IOException("HTTP " + status + " from " + at);
        }
        if (status != 200 && status != 206) {
            discard(response);
            throw new ModelLoadException("cannot download " + meta.url() + ": HTTP " + status + " from " + at);
        }
        boolean append = status == 206;
        if (append) {
            String range = response.headers().firstValue("Content-Range").orElse("");
            if (!range.startsWith("bytes " + have + "-")) {
                discard(response);
                Files.deleteIfExists(part);
                throw new IOException("the server resumed with '" + range + "' instead of byte " + have);
            }
        } else {
            have = 0;
        }
        IdleTimeoutBody body = new IdleTimeoutBody(options.idleTimeout());
        response.body().subscribe(body);
        long lastReport = 0;
        try (OutputStream out = Files.newOutputStream(
                part,
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            listener.onProgress(
                    new DownloadProgress(id, file, have, meta.size(), have - startBytes, elapsed(started), false));
            byte[] copy = new byte[64 << 10];
            ByteBuffer buffer;
            while ((buffer = body.next()) != null) {
                while (buffer.hasRemaining()) {
                    int n = Math.min(copy.length, buffer.remaining());
                    buffer.get(copy, 0, n);
                    out.write(copy, 0, n);
                    have += n;
                }
                long now = System.nanoTime();
                if (now - lastReport > TimeUnit.MILLISECONDS.toNanos(PROGRESS_INTERVAL_MS)) {
                    lastReport = now;
                    listener.onProgress(new DownloadProgress(
                            id, file, have, meta.size(), have - startBytes, elapsed(started), false));
                }
            }
        } finally {
            body.cancel();
        }
        if (meta.size() >= 0 && have != meta.size()) {
            throw new IOException("the body ended at byte " + have + " of " + meta.size());
        }
    }

    private void verify(Metadata meta, Path part) throws IOException {
        long size = Files.size(part);
        if (meta.size() >= 0 && size != meta.size()) {
            Files.delete(part);
            throw new ModelLoadException(
                    "download of " + meta.url() + " has " + size + " bytes, the hub says " + meta.size());
        }
        if (SHA256.matcher(meta.etag()).matches()) {
            String actual = TensorFile.sha256(part);
            if (!actual.equals(meta.etag())) {
                Files.delete(part);
                throw new ModelLoadException("download of " + meta.url() + " is corrupt: sha256 " + actual
                        + ", the hub says " + meta.etag());
            }
        }
    }

    /** A request to {@code uri}; the token goes only to the endpoint's own origin. */
    private HttpRequest.Builder request(URI uri, String method) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(options.timeout())
                .method(method, HttpRequest.BodyPublishers.noBody())
                .header("User-Agent", USER_AGENT)
                .header("Accept-Encoding", "identity");
        if (options.token() != null && sameOrigin(uri, options.endpoint())) {
            request.header("Authorization", "Bearer " + options.token());
        }
        return request;
    }

    private <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> handler, URI named) {
        try {
            return http.send(request.build(), handler);
        } catch (ConnectException e) {
            throw new HubUnreachableException(
                    "cannot download " + named + ": no connection ("
                            + e.getClass().getSimpleName()
                            + "); run online once, use offline mode with a cached model, or "
                            + "give a local folder or file",
                    e);
        } catch (HttpTimeoutException e) {
            throw new HubUnreachableException(
                    "cannot download " + named + ": no response within "
                            + options.timeout().toSeconds() + " s ("
                            + e.getClass().getSimpleName() + ")",
                    e);
        } catch (IOException e) {
            throw new HubUnreachableException("cannot download " + named + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelLoadException("interrupted while downloading " + named, e);
        }
    }

    private static URI location(HttpResponse<?> response, URI at, URI named) {
        Optional<String> location = response.headers().firstValue("Location");
        if (location.isEmpty()) {
            throw new ModelLoadException(
                    "cannot download " + named + ": HTTP " + response.statusCode() + " without a Location");
        }
        URI next = at.resolve(location.get());
        if (!"https".equals(next.getScheme()) && !"http".equals(next.getScheme())) {
            throw new ModelLoadException("cannot download " + named + ": redirect to " + next);
        }
        return next;
    }

    /** Same scheme, host and port: where a credential may follow a redirect (as {@code requests} decides). */
    static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost() != null
                && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    /** A revision as one URL path segment ({@code refs/pr/1} → {@code refs%2Fpr%2F1}). */
    static String encode(String revision) {
        StringBuilder out = new StringBuilder();
        for (byte b : revision.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '-'
                    || c == '.'
                    || c == '_'
                    || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", c));
            }
        }
        return out.toString();
    }

    private static String normaliseEtag(String etag) {
        String value = etag.trim();
        if (value.startsWith("W/")) {
            value = value.substring(2);
        }
        return value.replace("\"", "");
    }

    private static long parseLong(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static Duration elapsed(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private static void discard(HttpResponse<Flow.Publisher<List<ByteBuffer>>> response) {
        response.body().subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.cancel();
            }

            @Override
            public void onNext(List<ByteBuffer> item) {}

            @Override
            public void onError(Throwable throwable) {}

            @Override
            public void onComplete() {}
        });
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelLoadException("interrupted while waiting to retry a download", e);
        }
    }

    /** The hub could not be reached at all (no connection, no response): a cached model may still be used. */
    static final class HubUnreachableException extends ModelLoadException {
        HubUnreachableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * A response body read with a limit on silence: buffers arrive from the HTTP client's threads into a queue the
     * downloading thread polls; nothing within the idle timeout fails the read (the caller resumes).
     */
    private static final class IdleTimeoutBody implements Flow.Subscriber<List<ByteBuffer>> {

        private static final Object END = new Object();

        private final Duration idle;
        private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
        private volatile Flow.Subscription subscription;
        private List<ByteBuffer> current = List.of();
        private int index;

        IdleTimeoutBody(Duration idle) {
            this.idle = idle;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(BUFFERS_IN_FLIGHT);
        }

        @Override
        public void onNext(List<ByteBuffer> item) {
            queue.add(item);
        }

        @Override
        public void onError(Throwable throwable) {
            queue.add(throwable);
        }

        @Override
        public void onComplete() {
            queue.add(END);
        }

        /** The next buffer, or null at the end of the body. */
        ByteBuffer next() throws IOException {
            while (index >= current.size()) {
                Object item;
                try {
                    item = queue.poll(idle.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
                if (item == null) {
                    throw new IOException("no data for " + idle.toMillis() + " ms (idle timeout)");
                }
                if (item == END) {
                    return null;
                }
                if (item instanceof Throwable error) {
                    throw error instanceof IOException io ? io : new IOException(error);
                }
                @SuppressWarnings("unchecked")
                List<ByteBuffer> buffers = (List<ByteBuffer>) item;
                current = buffers;
                index = 0;
                subscription.request(1);
            }
            return current.get(index++);
        }

        void cancel() {
            Flow.Subscription s = subscription;
            if (s != null) {
                s.cancel();
            }
        }
    }

    /** Moves a finished download or ref file into place, atomically where the file system can. */
    static void moveIntoPlace(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
