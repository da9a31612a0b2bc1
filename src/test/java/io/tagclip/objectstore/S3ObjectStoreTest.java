package io.tagclip.objectstore;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.tagclip.fetch.FetchException;
import io.tagclip.fetch.FetchException.Reason;
import io.tagclip.fetch.FetchSettings;
import io.tagclip.fetch.LoadedImage;
import io.tagclip.fetch.UriImageLoader;
import io.tagclip.testing.CountingProxy;
import io.tagclip.testing.S3Server;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * {@code s3://} against a real S3-compatible server (s3proxy, {@link S3Server}) through a proxy that records every
 * request it gets ({@link CountingProxy}), so each test can say how many requests, and which, a fetch made.
 */
class S3ObjectStoreTest {

    private static final String BUCKET = "media";
    private static final String KEY = "photos/2024/chelsea.png";
    private static final long MAX_BYTES = 1024 * 1024;

    private static S3Server server;
    private static CountingProxy proxy;
    private static byte[] photo;

    @BeforeAll
    static void startServer() {
        server = S3Server.get();
        photo = StoreTestSupport.photo();
        server.put(BUCKET, KEY, photo);
        server.createBucket("other");
        proxy = new CountingProxy(server.port());
    }

    @AfterAll
    static void stopProxy() {
        proxy.close();
    }

    @BeforeEach
    void forgetRequests() {
        proxy.reset();
    }

    private static S3ObjectStore store(String secret, List<String> buckets, FetchSettings settings) {
        return new S3ObjectStore(
                new S3Options(Optional.of(URI.create(proxy.url())), true, Optional.of(S3Server.REGION), buckets),
                settings,
                StaticCredentialsProvider.create(AwsBasicCredentials.create(S3Server.ACCESS_KEY, secret)));
    }

    private static UriImageLoader loader(S3ObjectStore store, FetchSettings settings) {
        return new UriImageLoader(settings, List.of(store), 0);
    }

    private static UriImageLoader loader() {
        FetchSettings settings = StoreTestSupport.settings(MAX_BYTES);
        return loader(store(S3Server.SECRET_KEY, List.of(BUCKET), settings), settings);
    }

    @Test
    void shouldDecodeAnObjectToTheSamePixelsAndDigestAsTheSameBytesOverHttp() throws Exception {
        HttpServer http = StoreTestSupport.httpServing(photo);
        try {
            UriImageLoader loader = loader();
            LoadedImage fromS3 = loader.loadWithSource("s3://" + BUCKET + "/" + KEY, null);
            LoadedImage overHttp = loader.loadWithSource(
                    "http://127.0.0.1:" + http.getAddress().getPort() + "/photo.png", null);

            assertThat(fromS3.image().width()).isEqualTo(overHttp.image().width());
            assertThat(fromS3.image().pixels()).isEqualTo(overHttp.image().pixels());
            assertThat(fromS3.source().sha256()).isEqualTo(overHttp.source().sha256());
            assertThat(fromS3.source().etag()).as("the object's ETag").isNotBlank();
            assertThat(proxy.requests())
                    .as("one HEAD for the size, one GET for the body")
                    .hasSize(2)
                    .satisfies(r -> assertThat(r.get(0)).startsWith("HEAD /media/photos/2024/chelsea.png"))
                    .satisfies(r -> assertThat(r.get(1)).startsWith("GET /media/photos/2024/chelsea.png"));
        } finally {
            http.stop(0);
        }
    }

    @Test
    void shouldSayNotFoundForAMissingKeyOrBucket() {
        FetchSettings settings = StoreTestSupport.settings(MAX_BYTES);
        UriImageLoader loader =
                loader(store(S3Server.SECRET_KEY, List.of(BUCKET, "no-such-bucket"), settings), settings);

        FetchException missingKey = StoreTestSupport.failure(loader, "s3://media/photos/none.png");
        FetchException missingBucket = StoreTestSupport.failure(loader, "s3://no-such-bucket/x.png");

        assertThat(missingKey.reason()).isEqualTo(Reason.NOT_FOUND);
        assertThat(missingKey.getMessage()).contains("s3://media/photos/none.png", "404");
        assertThat(missingBucket.reason()).isEqualTo(Reason.NOT_FOUND);
        assertThat(proxy.requests()).as("no retries").hasSize(2);
    }

    @Test
    void shouldSayAccessDeniedForAWrongSecretAndNotRetry() {
        FetchSettings settings = StoreTestSupport.settings(MAX_BYTES);
        UriImageLoader loader = loader(store("not-the-secret", List.of(BUCKET), settings), settings);

        FetchException e = StoreTestSupport.failure(loader, "s3://" + BUCKET + "/" + KEY);

        assertThat(e.reason()).isEqualTo(Reason.ACCESS_DENIED);
        assertThat(e.attempts()).isEqualTo(1);
        assertThat(proxy.requests()).as("one request, never retried").hasSize(1);
    }

    @Test
    void shouldRefuseABucketNotOnTheAllowListWithoutAnyRequest() {
        FetchException e = StoreTestSupport.failure(loader(), "s3://other/" + KEY);

        assertThat(e.reason()).isEqualTo(Reason.BUCKET_NOT_ALLOWED);
        assertThat(e.getMessage()).contains("bucket other", "tagger.fetch.s3.allowed-buckets");
        assertThat(proxy.requests()).isEmpty();
    }

    @Test
    void shouldRefuseEveryBucketWhenNoneIsAllowed() {
        FetchSettings settings = StoreTestSupport.settings(MAX_BYTES);

        FetchException e = StoreTestSupport.failure(
                loader(store(S3Server.SECRET_KEY, List.of(), settings), settings), "s3://media/x");

        assertThat(e.reason()).isEqualTo(Reason.BUCKET_NOT_ALLOWED);
        assertThat(e.getMessage()).contains("empty");
        assertThat(proxy.requests()).isEmpty();
    }

    @Test
    void shouldRefuseAnObjectLargerThanMaxBytesWithoutDownloadingIt() {
        FetchSettings settings = StoreTestSupport.settings(photo.length - 1);
        UriImageLoader loader = loader(store(S3Server.SECRET_KEY, List.of(BUCKET), settings), settings);

        FetchException e = StoreTestSupport.failure(loader, "s3://" + BUCKET + "/" + KEY);

        assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
        assertThat(e.getMessage()).contains(photo.length + " bytes", "not downloaded");
        assertThat(proxy.requests()).as("the HEAD only").hasSize(1).allMatch(r -> r.startsWith("HEAD "));
    }

    @Test
    void shouldRetryThrottlingWithBackOff() throws Exception {
        proxy.refuseNext(1, 503);

        LoadedImage loaded = loader().loadWithSource("s3://" + BUCKET + "/" + KEY, null);

        assertThat(loaded.image().width()).isPositive();
        assertThat(proxy.requests()).hasSize(3);
    }

    @Test
    void shouldGiveUpOnPersistentServerErrorsAfterMaxAttempts() {
        proxy.refuseNext(5, 500);

        FetchException e = StoreTestSupport.failure(loader(), "s3://" + BUCKET + "/" + KEY);

        assertThat(e.reason()).isEqualTo(Reason.HTTP_ERROR);
        assertThat(e.attempts()).isEqualTo(2);
        assertThat(proxy.requests()).hasSize(2);
    }

    @Test
    void shouldAskForTheVersionTheUriNames() throws InterruptedException {
        try {
            // s3proxy's file system keeps no versions: it answers with the object, or refuses; either will do here.
            loader().loadWithSource("s3://" + BUCKET + "/" + KEY + "?versionId=3HL4kqtJlcpXroDTDmJ", null);
        } catch (FetchException e) {
            assertThat(e.reason()).isNotEqualTo(Reason.UNSUPPORTED_SCHEME);
        }

        assertThat(proxy.requests()).first().asString().startsWith("HEAD ").contains("versionId=3HL4kqtJlcpXroDTDmJ");
    }

    @Test
    void shouldRefuseAnEndpointOnAPrivateAddressUnlessAllowListed() {
        FetchSettings guarded = StoreTestSupport.settings(MAX_BYTES, List.of());
        UriImageLoader loader = loader(store(S3Server.SECRET_KEY, List.of(BUCKET), guarded), guarded);

        FetchException e = StoreTestSupport.failure(loader, "s3://" + BUCKET + "/" + KEY);

        assertThat(e.reason()).isEqualTo(Reason.BLOCKED_ADDRESS);
        assertThat(e.getMessage()).contains("127.0.0.1", "loopback");
        assertThat(proxy.requests()).isEmpty();
    }

    @Test
    void shouldTimeOutOnAStoreThatNeverAnswers() throws Exception {
        FetchSettings settings = StoreTestSupport.settings(MAX_BYTES);
        try (StoreTestSupport.SilentServer silent = new StoreTestSupport.SilentServer();
                S3ObjectStore store = new S3ObjectStore(
                        new S3Options(
                                Optional.of(URI.create("http://127.0.0.1:" + silent.port())),
                                true,
                                Optional.of(S3Server.REGION),
                                List.of(BUCKET)),
                        settings,
                        StaticCredentialsProvider.create(
                                AwsBasicCredentials.create(S3Server.ACCESS_KEY, S3Server.SECRET_KEY)))) {
            long start = System.nanoTime();

            FetchException e = StoreTestSupport.failure(loader(store, settings), "s3://" + BUCKET + "/" + KEY);

            assertThat(e.reason()).isEqualTo(Reason.TIMEOUT);
            assertThat(e.attempts()).isEqualTo(2);
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(10_000);
        }
    }
}
