package io.tagclip.fetch;

import static io.tagclip.fetch.LocalHttpServer.redirect;
import static io.tagclip.fetch.LocalHttpServer.respond;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tagclip.fetch.FetchException.Reason;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFetcherTest {

    private static final byte[] PNG = TestImages.png(3, 2);

    private LocalHttpServer server;

    /** Defaults with the loopback test server allow-listed and short timings so failures are quick. */
    private static FetchSettings settings() {
        FetchSettings d = FetchSettings.defaults();
        return new FetchSettings(
                Duration.ofMillis(500),
                Duration.ofMillis(400),
                64 * 1024,
                3,
                Duration.ofMillis(10),
                3,
                d.maxPixels(),
                false,
                List.of(),
                true,
                List.of("127.0.0.1"),
                true,
                d.userAgent());
    }

    @BeforeEach
    void startServer() throws IOException {
        server = new LocalHttpServer();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void shouldReturnBodyAndContentTypeOn200() throws Exception {
        server.route("/ok.png", ex -> respond(ex, 200, PNG, "image/png"));

        FetchedBytes fetched = new ImageFetcher(settings()).fetch(server.url("/ok.png"));

        assertThat(fetched.bytes()).isEqualTo(PNG);
        assertThat(fetched.contentType()).isEqualTo("image/png");
        assertThat(fetched.attempts()).isEqualTo(1);
    }

    @Test
    void shouldReportNotFoundOn404WithoutRetrying() {
        server.route("/missing", ex -> respond(ex, 404, new byte[0], null));

        assertFailure(server.url("/missing"), Reason.NOT_FOUND, "HTTP 404");
        assertThat(server.requests()).isEqualTo(1);
    }

    @Test
    void shouldReportAccessDeniedOn401And403() {
        server.route("/401", ex -> respond(ex, 401, new byte[0], null));
        server.route("/403", ex -> respond(ex, 403, new byte[0], null));

        assertFailure(server.url("/401"), Reason.ACCESS_DENIED, "HTTP 401");
        assertFailure(server.url("/403"), Reason.ACCESS_DENIED, "HTTP 403");
    }

    @Test
    void shouldRetryServerErrorAndSucceed() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        server.route("/flaky", ex -> {
            if (calls.incrementAndGet() == 1) {
                respond(ex, 500, new byte[0], null);
            } else {
                respond(ex, 200, PNG, "image/png");
            }
        });

        FetchedBytes fetched = new ImageFetcher(settings()).fetch(server.url("/flaky"));

        assertThat(fetched.bytes()).isEqualTo(PNG);
        assertThat(fetched.attempts()).isEqualTo(2);
    }

    @Test
    void shouldGiveUpAfterMaxAttemptsOfServerErrors() {
        server.route("/down", ex -> respond(ex, 503, new byte[0], null));

        FetchException e = assertFailure(server.url("/down"), Reason.HTTP_ERROR, "HTTP 503");
        assertThat(e.attempts()).isEqualTo(3);
        assertThat(server.requests()).isEqualTo(3);
    }

    @Test
    void shouldTimeOutOnSlowServerAfterRetrying() {
        server.route("/slow", ex -> {
            sleep(1_500);
            respond(ex, 200, PNG, "image/png");
        });

        FetchException e = assertFailure(server.url("/slow"), Reason.TIMEOUT, "/slow");
        assertThat(e.attempts()).isEqualTo(3);
    }

    @Test
    void shouldAbortOversizedStreamedBody() {
        AtomicInteger written = new AtomicInteger();
        server.route("/huge", ex -> {
            ex.sendResponseHeaders(200, 0); // chunked: no Content-Length to refuse up front
            byte[] chunk = new byte[8 * 1024];
            try (OutputStream out = ex.getResponseBody()) {
                for (int i = 0; i < 10_000; i++) { // 80 MB if nobody stops it
                    out.write(chunk);
                    written.addAndGet(chunk.length);
                }
            } catch (IOException expectedWhenClientAborts) {
                // the client hung up: that is what this test wants
            }
        });

        assertFailure(server.url("/huge"), Reason.TOO_LARGE, "65536");
        assertThat(written.get()).isLessThan(80 * 1024 * 1024);
    }

    @Test
    void shouldRefuseBodyWhoseDeclaredLengthExceedsLimit() {
        server.route("/declared", ex -> respond(ex, 200, new byte[100_000], "image/png"));

        assertFailure(server.url("/declared"), Reason.TOO_LARGE, "Content-Length 100000");
    }

    @Test
    void shouldFollowThreeRedirects() throws Exception {
        server.route("/r1", ex -> redirect(ex, "/r2"));
        server.route("/r2", ex -> redirect(ex, server.url("/r3")));
        server.route("/r3", ex -> redirect(ex, "/final.png"));
        server.route("/final.png", ex -> respond(ex, 200, PNG, "image/png"));

        FetchedBytes fetched = new ImageFetcher(settings()).fetch(server.url("/r1"));

        assertThat(fetched.bytes()).isEqualTo(PNG);
        assertThat(fetched.uri().getPath()).isEqualTo("/final.png");
    }

    @Test
    void shouldFailRedirectChainLongerThanThree() {
        server.route("/loop", ex -> redirect(ex, "/loop"));

        assertFailure(server.url("/loop"), Reason.HTTP_ERROR, "more than 3 redirects");
        assertThat(server.requests()).isEqualTo(4);
    }

    @Test
    void shouldBlockRedirectToMetadataAddress() {
        server.route("/evil", ex -> redirect(ex, "http://169.254.169.254/latest/meta-data/"));

        assertFailure(server.url("/evil"), Reason.BLOCKED_ADDRESS, "169.254.169.254");
    }

    @Test
    void shouldCheckTheAllowListedPortAgainOnARedirectToAnotherPort() throws Exception {
        try (LocalHttpServer other = new LocalHttpServer()) {
            other.route("/ok.png", ex -> respond(ex, 200, PNG, "image/png"));
            server.route("/hop", ex -> redirect(ex, other.url("/ok.png")));
            server.route("/ok.png", ex -> respond(ex, 200, PNG, "image/png"));
            String onlyServer = "127.0.0.1:" + URI.create(server.url("/")).getPort();
            ImageFetcher fetcher = new ImageFetcher(settings().withAllowList(List.of(onlyServer)));

            assertThat(fetcher.fetch(server.url("/ok.png")).bytes()).isEqualTo(PNG);
            assertThatThrownBy(() -> fetcher.fetch(server.url("/hop")))
                    .isInstanceOfSatisfying(FetchException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.BLOCKED_ADDRESS);
                        assertThat(e.getMessage())
                                .contains("port " + URI.create(other.url("/")).getPort());
                    });
            assertThat(other.requests()).isZero();
        }
    }

    @Test
    void shouldBlockLoopbackByDefaultWithoutSendingAnything() {
        server.route("/ok.png", ex -> respond(ex, 200, PNG, "image/png"));

        assertThatThrownBy(() -> new ImageFetcher(FetchSettings.defaults()).fetch(server.url("/ok.png")))
                .isInstanceOfSatisfying(FetchException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.BLOCKED_ADDRESS);
                    assertThat(e.getMessage()).contains("loopback", "127.0.0.1");
                });
        assertThat(server.requests()).isZero();
    }

    @Test
    void shouldRejectUnsupportedAndMalformedUris() {
        assertFailure("ftp://example.com/a.png", Reason.UNSUPPORTED_SCHEME, "ftp");
        assertFailure("no-scheme.png", Reason.UNSUPPORTED_SCHEME, "no-scheme.png");
        assertFailure("http://exa mple.com/", Reason.UNSUPPORTED_SCHEME, "malformed");
        assertFailure("file:/etc/passwd", Reason.UNSUPPORTED_SCHEME, "disabled");
    }

    @Test
    void shouldReadFilesOnlyUnderConfiguredRoots(@TempDir Path dir) throws Exception {
        Path root = Files.createDirectories(dir.resolve("images"));
        Path inside = Files.write(root.resolve("a.png"), PNG);
        Path outside = Files.write(dir.resolve("secret.png"), PNG);
        Path link = Files.createSymbolicLink(root.resolve("link.png"), outside);
        FetchSettings s = settings();
        ImageFetcher fetcher = new ImageFetcher(new FetchSettings(
                s.connectTimeout(),
                s.readTimeout(),
                s.maxBytes(),
                s.maxAttempts(),
                s.retryBackoff(),
                s.maxRedirects(),
                s.maxPixels(),
                true,
                List.of(root),
                true,
                List.of(),
                true,
                s.userAgent()));

        assertThat(fetcher.fetch(inside.toUri().toString()).bytes()).isEqualTo(PNG);
        assertThatThrownBy(() -> fetcher.fetch(outside.toUri().toString()))
                .hasFieldOrPropertyWithValue("reason", Reason.ACCESS_DENIED);
        assertThatThrownBy(() -> fetcher.fetch(link.toUri().toString()))
                .hasFieldOrPropertyWithValue("reason", Reason.ACCESS_DENIED);
        assertThatThrownBy(() ->
                        fetcher.fetch(root.resolve("../secret.png").toUri().toString()))
                .hasFieldOrPropertyWithValue("reason", Reason.ACCESS_DENIED);
        assertThatThrownBy(() -> fetcher.fetch(root.resolve("nope.png").toUri().toString()))
                .hasFieldOrPropertyWithValue("reason", Reason.NOT_FOUND);
    }

    @Test
    void shouldBoundWorstCaseDurationBySettings() {
        // 4 hops x (3 attempts x (500 + 400) ms + (10 + 20) ms back-off)
        assertThat(ImageFetcher.worstCaseMillis(settings())).isEqualTo(4 * (3 * 900 + 30));
    }

    private FetchException assertFailure(String uri, Reason reason, String messagePart) {
        Throwable thrown = Assertions.catchThrowable(() -> new ImageFetcher(settings()).fetch(uri));
        assertThat(thrown).isInstanceOf(FetchException.class);
        FetchException e = (FetchException) thrown;
        assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
        assertThat(e.getMessage()).contains(messagePart);
        return e;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
