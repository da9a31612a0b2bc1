package io.tagclip.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tagclip.fetch.FetchException.Reason;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The guarantees {@code fetch} gives every object store, checked on a store that answers from memory and records
 * what it was asked: allow-list and address guard before any request, the size before the body, the limit while
 * streaming, retries only for what may succeed, ETag, version and SHA-256 carried to the loaded image.
 */
class ObjectStoreFetchTest {

    private static final byte[] PNG = TestImages.png(3, 2);

    /** A store over one object, whose answers a test can replace, recording each call. */
    private static final class MemoryStore implements ObjectStore {
        final List<String> calls = new ArrayList<>();
        final List<Supplier<FetchException>> headFailures = new ArrayList<>();
        ContainerAllowList allowList = new ContainerAllowList("test.allowed", List.of("pics"), false);
        Optional<URI> endpoint = Optional.empty();
        byte[] body = PNG;
        long declaredSize = -1;

        @Override
        public String scheme() {
            return "mem";
        }

        @Override
        public ObjectLocation locate(URI uri) throws FetchException {
            return ObjectLocation.bucketAndKey(uri);
        }

        @Override
        public ContainerAllowList allowList() {
            return allowList;
        }

        @Override
        public Optional<URI> endpoint(ObjectLocation location) {
            return endpoint;
        }

        @Override
        public ObjectInfo head(ObjectLocation location) throws FetchException {
            calls.add("HEAD " + location.key() + (location.versionId() == null ? "" : "@" + location.versionId()));
            if (!headFailures.isEmpty()) {
                throw headFailures.remove(0).get();
            }
            return new ObjectInfo(declaredSize >= 0 ? declaredSize : body.length, "etag-1", "v7", "image/png");
        }

        @Override
        public void download(ObjectLocation location, ObjectInfo info, OutputStream sink) throws FetchException {
            calls.add("GET " + location.key() + " if " + info.etag());
            try {
                for (byte b : body) {
                    sink.write(new byte[] {b}, 0, 1);
                }
            } catch (IOException e) {
                throw new FetchException(Reason.HTTP_ERROR, "stream broke: " + e.getMessage(), 1, e);
            }
        }
    }

    private static FetchSettings settings(long maxBytes) {
        FetchSettings d = FetchSettings.defaults();
        return new FetchSettings(
                Duration.ofMillis(500),
                Duration.ofSeconds(2),
                maxBytes,
                3,
                Duration.ofMillis(1),
                3,
                d.maxPixels(),
                false,
                List.of(),
                true,
                List.of(),
                true,
                d.userAgent());
    }

    private static ImageFetcher fetcher(MemoryStore store) {
        return new ImageFetcher(settings(64 * 1024), List.of(store));
    }

    @Test
    void shouldFetchAnAllowedObjectWithItsEtagAndVersion() throws Exception {
        MemoryStore store = new MemoryStore();

        FetchedBytes fetched = fetcher(store).fetch("mem://pics/a/b.png");

        assertThat(fetched.bytes()).isEqualTo(PNG);
        assertThat(fetched.etag()).isEqualTo("etag-1");
        assertThat(fetched.versionId()).isEqualTo("v7");
        assertThat(fetched.contentType()).isEqualTo("image/png");
        assertThat(store.calls).containsExactly("HEAD a/b.png", "GET a/b.png if etag-1");
    }

    @Test
    void shouldLoadTheSameImageAndDigestAsOverHttp() throws Exception {
        LoadedImage loaded = new UriImageLoader(settings(64 * 1024), List.of(new MemoryStore()), 0)
                .loadWithSource("mem://pics/x.png", null);

        assertThat(loaded.image().width()).isEqualTo(3);
        assertThat(loaded.source()).isEqualTo(new SourceMetadata("etag-1", "v7", UriImageLoader.sha256(PNG)));
        assertThat(UriImageLoader.sha256("abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void shouldRefuseABucketNotOnTheAllowListBeforeAnyRequest() {
        MemoryStore store = new MemoryStore();

        assertThatThrownBy(() -> fetcher(store).fetch("mem://other/x.png"))
                .isInstanceOf(FetchException.class)
                .hasMessageContaining("bucket other")
                .hasMessageContaining("test.allowed")
                .extracting(e -> ((FetchException) e).reason())
                .isEqualTo(Reason.BUCKET_NOT_ALLOWED);
        assertThat(store.calls).isEmpty();
    }

    @Test
    void shouldRefuseAnEndpointOnALoopbackAddressBeforeAnyRequest() throws Exception {
        MemoryStore store = new MemoryStore();
        store.endpoint = Optional.of(URI.create("http://127.0.0.1:9000"));

        assertThatThrownBy(() -> fetcher(store).fetch("mem://pics/x.png"))
                .isInstanceOf(FetchException.class)
                .hasMessageContaining("loopback")
                .extracting(e -> ((FetchException) e).reason())
                .isEqualTo(Reason.BLOCKED_ADDRESS);
        assertThat(store.calls).isEmpty();

        FetchSettings allowed = settings(64 * 1024).withAllowList(List.of("127.0.0.1:9000"));
        store.calls.clear();
        assertThat(new ImageFetcher(allowed, List.of(store))
                        .fetch("mem://pics/x.png")
                        .bytes())
                .isEqualTo(PNG);
    }

    @Test
    void shouldRefuseAnObjectLargerThanTheLimitFromItsSizeWithoutDownloadingIt() {
        MemoryStore store = new MemoryStore();

        assertThatThrownBy(() -> new ImageFetcher(settings(PNG.length - 1), List.of(store)).fetch("mem://pics/x.png"))
                .isInstanceOf(FetchException.class)
                .hasMessageContaining("not downloaded")
                .extracting(e -> ((FetchException) e).reason())
                .isEqualTo(Reason.TOO_LARGE);
        assertThat(store.calls).containsExactly("HEAD x.png");
    }

    @Test
    void shouldStopABodyThatOutgrowsTheLimitWhileStreaming() {
        MemoryStore store = new MemoryStore();
        store.declaredSize = 10; // the store under-declared; the body is larger than the limit
        store.body = new byte[1000];

        assertThatThrownBy(() -> new ImageFetcher(settings(100), List.of(store)).fetch("mem://pics/x.png"))
                .isInstanceOf(FetchException.class)
                .hasMessageContaining("exceeds the limit of 100 bytes")
                .satisfies(e -> assertThat(((FetchException) e).attempts()).isEqualTo(1))
                .extracting(e -> ((FetchException) e).reason())
                .isEqualTo(Reason.TOO_LARGE);
    }

    @Test
    void shouldRetryThrottlingWithBackOffAndSucceed() throws Exception {
        MemoryStore store = new MemoryStore();
        store.headFailures.add(() -> FetchException.retryable(Reason.HTTP_ERROR, "HTTP 503", null));
        store.headFailures.add(() -> FetchException.retryable(Reason.HTTP_ERROR, "HTTP 429", null));

        FetchedBytes fetched = fetcher(store).fetch("mem://pics/x.png");

        assertThat(fetched.attempts()).isEqualTo(3);
        assertThat(store.calls).hasSize(4);
    }

    @Test
    void shouldGiveUpAfterMaxAttemptsOfRetryableFailures() {
        MemoryStore store = new MemoryStore();
        for (int i = 0; i < 5; i++) {
            store.headFailures.add(() -> new FetchException(Reason.TIMEOUT, "slow"));
        }

        assertThatThrownBy(() -> fetcher(store).fetch("mem://pics/x.png"))
                .isInstanceOf(FetchException.class)
                .satisfies(e -> assertThat(((FetchException) e).attempts()).isEqualTo(3))
                .extracting(e -> ((FetchException) e).reason())
                .isEqualTo(Reason.TIMEOUT);
        assertThat(store.calls).hasSize(3);
    }

    @Test
    void shouldNeverRetryAccessDeniedOrNotFound() {
        for (Reason reason : List.of(Reason.ACCESS_DENIED, Reason.NOT_FOUND)) {
            MemoryStore store = new MemoryStore();
            store.headFailures.add(() -> new FetchException(reason, "no"));

            assertThatThrownBy(() -> fetcher(store).fetch("mem://pics/x.png"))
                    .isInstanceOf(FetchException.class)
                    .extracting(e -> ((FetchException) e).reason())
                    .isEqualTo(reason);
            assertThat(store.calls).hasSize(1);
        }
    }

    @Test
    void shouldPassTheVersionOfTheUri() throws Exception {
        MemoryStore store = new MemoryStore();

        fetcher(store).fetch("mem://pics/x.png?versionId=3HL4kqtJ");

        assertThat(store.calls).first().isEqualTo("HEAD x.png@3HL4kqtJ");
    }

    @Test
    void shouldNameTheConfiguredSchemesWhenOneIsUnknown() {
        assertThatThrownBy(() -> fetcher(new MemoryStore()).fetch("gs://pics/x.png"))
                .isInstanceOf(FetchException.class)
                .hasMessageContaining("(http, https, mem)");
    }

    @Test
    void shouldRefuseTwoStoresForOneScheme() {
        assertThatThrownBy(() -> new ImageFetcher(settings(100), List.of(new MemoryStore(), new MemoryStore())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'mem'");
    }

    @Test
    void shouldBoundTheWorstCaseByTwoRequestsPerAttemptWithoutRedirects() {
        FetchSettings s = settings(100);
        FetchSettings noRedirects = new FetchSettings(
                s.connectTimeout(),
                s.readTimeout(),
                100,
                3,
                s.retryBackoff(),
                0,
                s.maxPixels(),
                false,
                List.of(),
                true,
                List.of(),
                true,
                s.userAgent());
        // 3 attempts x (HEAD + GET) x (0.5 s + 2 s) + 1 ms + 2 ms of back-off
        assertThat(ImageFetcher.worstCaseMillis(noRedirects)).isEqualTo(15_003);
    }
}
