package io.tagclip.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.tagclip.fetch.FetchException;
import io.tagclip.fetch.FetchException.Reason;
import io.tagclip.fetch.FetchSettings;
import io.tagclip.fetch.LoadedImage;
import io.tagclip.fetch.UriImageLoader;
import io.tagclip.testing.AzuriteServer;
import io.tagclip.testing.CountingProxy;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code az://} against Azure's own emulator (Azurite, {@link AzuriteServer}) through a proxy that records every
 * request it gets ({@link CountingProxy}): the same cases as {@code s3://}.
 */
class AzureBlobStoreTest {

    private static final String ACCOUNT = AzuriteServer.ACCOUNT;
    private static final String CONTAINER = "media";
    private static final String BLOB = "photos/2024/chelsea.png";
    private static final String URI = "az://" + ACCOUNT + "/" + CONTAINER + "/" + BLOB;
    private static final long MAX_BYTES = 1024 * 1024;

    private static AzuriteServer server;
    private static CountingProxy proxy;
    private static byte[] photo;

    @BeforeAll
    static void startServer() {
        server = AzuriteServer.get();
        photo = StoreTestSupport.photo();
        server.put(CONTAINER, BLOB, photo);
        server.createContainer("other");
        proxy = new CountingProxy(server.port());
    }

    @AfterAll
    static void stopProxy() {
        if (proxy != null) {
            proxy.close();
        }
    }

    @BeforeEach
    void forgetRequests() {
        proxy.reset();
    }

    private static UriImageLoader loader(String accountKey, List<String> containers, FetchSettings settings) {
        AzureOptions options = new AzureOptions(
                Optional.of(AzuriteServer.connectionString(proxy.port(), accountKey)), Optional.empty(), containers);
        return new UriImageLoader(settings, List.of(new AzureBlobStore(options, settings)), 0);
    }

    private static UriImageLoader loader() {
        return loader(
                AzuriteServer.ACCOUNT_KEY, List.of(ACCOUNT + "/" + CONTAINER), StoreTestSupport.settings(MAX_BYTES));
    }

    @Test
    void shouldDecodeABlobToTheSamePixelsAndDigestAsTheSameBytesOverHttp() throws Exception {
        HttpServer http = StoreTestSupport.httpServing(photo);
        try {
            UriImageLoader loader = loader();
            LoadedImage fromAzure = loader.loadWithSource(URI, null);
            LoadedImage overHttp = loader.loadWithSource(
                    "http://127.0.0.1:" + http.getAddress().getPort() + "/photo.png", null);

            assertThat(fromAzure.image().pixels()).isEqualTo(overHttp.image().pixels());
            assertThat(fromAzure.source().sha256()).isEqualTo(overHttp.source().sha256());
            assertThat(fromAzure.source().etag()).as("the blob's ETag").isNotBlank();
            assertThat(proxy.requests())
                    .as("one HEAD for the size, one GET for the body")
                    .hasSize(2)
                    .satisfies(r -> assertThat(r.get(0)).startsWith("HEAD /devstoreaccount1/media/photos"))
                    .satisfies(r -> assertThat(r.get(1)).startsWith("GET /devstoreaccount1/media/photos"));
        } finally {
            http.stop(0);
        }
    }

    @Test
    void shouldSayNotFoundForAMissingBlobOrContainer() {
        UriImageLoader loader = loader(
                AzuriteServer.ACCOUNT_KEY,
                List.of(ACCOUNT + "/" + CONTAINER, ACCOUNT + "/no-such-container"),
                StoreTestSupport.settings(MAX_BYTES));

        FetchException missingBlob = StoreTestSupport.failure(loader, "az://" + ACCOUNT + "/media/none.png");
        FetchException missingContainer =
                StoreTestSupport.failure(loader, "az://" + ACCOUNT + "/no-such-container/x.png");

        assertThat(missingBlob.reason()).isEqualTo(Reason.NOT_FOUND);
        assertThat(missingBlob.getMessage()).contains("az://" + ACCOUNT + "/media/none.png", "404");
        assertThat(missingContainer.reason()).isEqualTo(Reason.NOT_FOUND);
        assertThat(proxy.requests()).as("no retries").hasSize(2);
    }

    @Test
    void shouldSayAccessDeniedForAWrongKeyAndNotRetry() {
        String wrongKey = AzuriteServer.ACCOUNT_KEY.replace('E', 'F');
        UriImageLoader loader =
                loader(wrongKey, List.of(ACCOUNT + "/" + CONTAINER), StoreTestSupport.settings(MAX_BYTES));

        FetchException e = StoreTestSupport.failure(loader, URI);

        assertThat(e.reason()).isEqualTo(Reason.ACCESS_DENIED);
        assertThat(e.attempts()).isEqualTo(1);
        assertThat(e.getMessage()).doesNotContain(wrongKey);
        assertThat(proxy.requests()).as("one request, never retried").hasSize(1);
    }

    @Test
    void shouldRefuseAContainerNotOnTheAllowListWithoutAnyRequest() {
        FetchException e = StoreTestSupport.failure(loader(), "az://" + ACCOUNT + "/other/" + BLOB);

        assertThat(e.reason()).isEqualTo(Reason.BUCKET_NOT_ALLOWED);
        assertThat(e.getMessage()).contains("container " + ACCOUNT + "/other", "tagger.fetch.azure.allowed-containers");
        assertThat(proxy.requests()).isEmpty();
    }

    @Test
    void shouldRefuseAnotherAccountThanTheConnectionStringsWithoutAnyRequest() {
        UriImageLoader loader = loader(AzuriteServer.ACCOUNT_KEY, List.of("*"), StoreTestSupport.settings(MAX_BYTES));

        FetchException e = StoreTestSupport.failure(loader, "az://someoneelse/media/" + BLOB);

        assertThat(e.reason()).isEqualTo(Reason.ACCESS_DENIED);
        assertThat(e.getMessage()).contains("devstoreaccount1", "someoneelse");
        assertThat(proxy.requests()).isEmpty();
    }

    @Test
    void shouldRefuseABlobLargerThanMaxBytesWithoutDownloadingIt() {
        UriImageLoader loader = loader(
                AzuriteServer.ACCOUNT_KEY,
                List.of(ACCOUNT + "/" + CONTAINER),
                StoreTestSupport.settings(photo.length - 1));

        FetchException e = StoreTestSupport.failure(loader, URI);

        assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
        assertThat(e.getMessage()).contains(photo.length + " bytes", "not downloaded");
        assertThat(proxy.requests()).as("the HEAD only").hasSize(1).allMatch(r -> r.startsWith("HEAD "));
    }

    @Test
    void shouldRetryThrottlingWithBackOff() throws Exception {
        proxy.refuseNext(1, 503);

        LoadedImage loaded = loader().loadWithSource(URI, null);

        assertThat(loaded.image().width()).isPositive();
        assertThat(proxy.requests()).hasSize(3);
    }

    @Test
    void shouldRefuseAnEndpointOnAPrivateAddressUnlessAllowListed() {
        UriImageLoader loader = loader(
                AzuriteServer.ACCOUNT_KEY,
                List.of(ACCOUNT + "/" + CONTAINER),
                StoreTestSupport.settings(MAX_BYTES, List.of()));

        FetchException e = StoreTestSupport.failure(loader, URI);

        assertThat(e.reason()).isEqualTo(Reason.BLOCKED_ADDRESS);
        assertThat(proxy.requests()).isEmpty();
    }

    @Test
    void shouldTimeOutOnAStoreThatNeverAnswers() throws Exception {
        FetchSettings settings = StoreTestSupport.settings(MAX_BYTES);
        try (StoreTestSupport.SilentServer silent = new StoreTestSupport.SilentServer()) {
            UriImageLoader loader =
                    loader(AzuriteServer.connectionString(silent.port(), AzuriteServer.ACCOUNT_KEY), settings);
            long start = System.nanoTime();

            FetchException e = StoreTestSupport.failure(loader, URI);

            assertThat(e.reason()).isEqualTo(Reason.TIMEOUT);
            assertThat(e.attempts()).isEqualTo(2);
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(10_000);
        }
    }

    private static UriImageLoader loader(String connectionString, FetchSettings settings) {
        AzureOptions options =
                new AzureOptions(Optional.of(connectionString), Optional.empty(), List.of(ACCOUNT + "/" + CONTAINER));
        return new UriImageLoader(settings, List.of(new AzureBlobStore(options, settings)), 0);
    }

    @Test
    void shouldRefuseAConnectionStringThatIsNoneWithoutQuotingIt() {
        FetchSettings settings = StoreTestSupport.settings(MAX_BYTES);
        AzureOptions options = new AzureOptions(Optional.of("AccountKey=s3cr3t;nonsense"), Optional.empty(), List.of());

        assertThatThrownBy(() -> new AzureBlobStore(options, settings))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tagger.fetch.azure.connection-string")
                .hasMessageNotContaining("s3cr3t");
    }
}
