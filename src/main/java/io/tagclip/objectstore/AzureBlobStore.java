package io.tagclip.objectstore;

import com.azure.core.credential.TokenCredential;
import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.http.HttpClient;
import com.azure.core.util.Context;
import com.azure.core.util.HttpClientOptions;
import com.azure.identity.ChainedTokenCredentialBuilder;
import com.azure.identity.CredentialUnavailableException;
import com.azure.identity.EnvironmentCredentialBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.identity.WorkloadIdentityCredentialBuilder;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.DownloadRetryOptions;
import com.azure.storage.blob.specialized.BlobClientBase;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import io.tagclip.fetch.ContainerAllowList;
import io.tagclip.fetch.FetchException;
import io.tagclip.fetch.FetchException.Reason;
import io.tagclip.fetch.FetchSettings;
import io.tagclip.fetch.ObjectInfo;
import io.tagclip.fetch.ObjectLocation;
import io.tagclip.fetch.ObjectStore;
import java.io.OutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code az://account/container/blob[?versionId=V]} through the Azure Storage Blob SDK. With a connection string the
 * store reads that one account (a URI naming another is refused before any request); without one it reads any
 * allow-listed account with token credentials: the environment's service principal ({@code AZURE_CLIENT_ID},
 * {@code AZURE_TENANT_ID}, {@code AZURE_CLIENT_SECRET} or a certificate), AKS workload identity (when
 * {@code AZURE_FEDERATED_TOKEN_FILE} is set) or the managed identity, in that order: the server-side part of
 * {@code DefaultAzureCredential}, without its developer-desktop credentials. The SDK makes one request per call:
 * its retries are off; connect, read and response timeouts are the fetch settings'.
 */
public final class AzureBlobStore implements ObjectStore {

    private static final String PUBLIC_ENDPOINT =
            "https://" + AzureOptions.ACCOUNT_PLACEHOLDER + ".blob.core.windows.net";

    private final AzureOptions options;
    private final FetchSettings settings;
    private final ContainerAllowList allowList;
    private final HttpClient http;
    /** The connection string's client; {@code null} without one. */
    private final BlobServiceClient connectionClient;
    /** Token-credential clients by account, built on first use. */
    private final Map<String, BlobServiceClient> accountClients = new ConcurrentHashMap<>();

    private volatile TokenCredential tokenCredential;

    /**
     * @throws IllegalArgumentException when an allowed container is malformed, or the connection string is not one
     */
    public AzureBlobStore(AzureOptions options, FetchSettings settings) {
        this.options = options;
        this.settings = settings;
        this.allowList =
                new ContainerAllowList(AzureOptions.ALLOWED_CONTAINERS_SETTING, options.allowedContainers(), true);
        this.http = HttpClient.createDefault(new HttpClientOptions()
                .setConnectTimeout(settings.connectTimeout())
                .setResponseTimeout(settings.readTimeout())
                .setReadTimeout(settings.readTimeout())
                .setWriteTimeout(settings.readTimeout()));
        this.connectionClient = options.connectionString()
                .filter(s -> !s.isBlank())
                .map(this::connectionStringClient)
                .orElse(null);
    }

    private BlobServiceClient connectionStringClient(String connectionString) {
        BlobServiceClientBuilder builder;
        try {
            builder = base().connectionString(connectionString);
        } catch (IllegalArgumentException e) {
            // The SDK's message may quote the string, and with it the key.
            throw new IllegalArgumentException(
                    "tagger.fetch.azure.connection-string is not a storage connection string");
        }
        BlobServiceClient client = builder.buildClient();
        if (options.endpoint().isPresent()) {
            String account = client.getAccountName();
            client = base().connectionString(connectionString)
                    .endpoint(endpointFor(account))
                    .buildClient();
        }
        return client;
    }

    private BlobServiceClientBuilder base() {
        return new BlobServiceClientBuilder()
                .httpClient(http)
                .retryOptions(new RequestRetryOptions(RetryPolicyType.FIXED, 1, (Integer) null, null, null, null));
    }

    private String endpointFor(String account) {
        return options.endpoint().orElse(PUBLIC_ENDPOINT).replace(AzureOptions.ACCOUNT_PLACEHOLDER, account);
    }

    @Override
    public String scheme() {
        return "az";
    }

    @Override
    public ObjectLocation locate(URI uri) throws FetchException {
        return ObjectLocation.accountContainerAndKey(uri);
    }

    @Override
    public ContainerAllowList allowList() {
        return allowList;
    }

    @Override
    public Optional<URI> endpoint(ObjectLocation location) throws FetchException {
        return Optional.of(URI.create(client(location).getAccountUrl()));
    }

    @Override
    public ObjectInfo head(ObjectLocation location) throws FetchException, InterruptedException {
        String what = "HEAD " + location.uri();
        try {
            BlobProperties p = blob(location)
                    .getPropertiesWithResponse(null, timeout(), Context.NONE)
                    .getValue();
            return new ObjectInfo(
                    p.getBlobSize(), ObjectInfo.plainEtag(p.getETag()), p.getVersionId(), p.getContentType());
        } catch (BlobStorageException e) {
            throw StoreFailures.status(e.getStatusCode(), what + " (" + e.getErrorCode() + ")", e);
        } catch (RuntimeException e) {
            throw clientFailure(what, e);
        }
    }

    @Override
    public void download(ObjectLocation location, ObjectInfo info, OutputStream sink)
            throws FetchException, InterruptedException {
        String what = "GET " + location.uri();
        BlobClientBase blob = blob(location);
        if (location.versionId() == null && info.versionId() != null) {
            blob = blob.getVersionClient(info.versionId());
        }
        BlobRequestConditions conditions =
                info.etag() == null ? null : new BlobRequestConditions().setIfMatch("\"" + info.etag() + "\"");
        try {
            blob.downloadStreamWithResponse(
                    sink,
                    null,
                    new DownloadRetryOptions().setMaxRetryRequests(0),
                    conditions,
                    false,
                    timeout(),
                    Context.NONE);
        } catch (BlobStorageException e) {
            throw StoreFailures.status(e.getStatusCode(), what + " (" + e.getErrorCode() + ")", e);
        } catch (RuntimeException e) {
            throw clientFailure(what, e);
        }
    }

    private Duration timeout() {
        return settings.readTimeout();
    }

    private BlobClientBase blob(ObjectLocation location) throws FetchException {
        BlobClientBase blob =
                client(location).getBlobContainerClient(location.container()).getBlobClient(location.key());
        return location.versionId() == null ? blob : blob.getVersionClient(location.versionId());
    }

    /** The client of the location's account; {@code ACCESS_DENIED} when the connection string is another's. */
    private BlobServiceClient client(ObjectLocation location) throws FetchException {
        String account = location.account().toLowerCase(Locale.ROOT);
        if (connectionClient != null) {
            if (!connectionClient.getAccountName().equalsIgnoreCase(account)) {
                throw new FetchException(
                        Reason.ACCESS_DENIED,
                        location.uri() + ": tagger.fetch.azure.connection-string holds credentials for account "
                                + connectionClient.getAccountName() + ", not " + account);
            }
            return connectionClient;
        }
        return accountClients.computeIfAbsent(
                account,
                a -> base().endpoint(endpointFor(a))
                        .credential(tokenCredential())
                        .buildClient());
    }

    private TokenCredential tokenCredential() {
        TokenCredential credential = tokenCredential;
        if (credential == null) {
            synchronized (this) {
                if (tokenCredential == null) {
                    ChainedTokenCredentialBuilder chain = new ChainedTokenCredentialBuilder()
                            .addLast(new EnvironmentCredentialBuilder()
                                    .httpClient(http)
                                    .build());
                    if (System.getenv("AZURE_FEDERATED_TOKEN_FILE") != null) {
                        chain.addLast(new WorkloadIdentityCredentialBuilder()
                                .httpClient(http)
                                .build());
                    }
                    chain.addLast(new ManagedIdentityCredentialBuilder()
                            .httpClient(http)
                            .build());
                    tokenCredential = chain.build();
                }
                credential = tokenCredential;
            }
        }
        return credential;
    }

    /**
     * No token from any credential is {@code ACCESS_DENIED}, never retried; the rest as {@link StoreFailures#client}.
     */
    private static FetchException clientFailure(String what, RuntimeException e) throws InterruptedException {
        if (StoreFailures.has(e, ClientAuthenticationException.class)
                || StoreFailures.has(e, CredentialUnavailableException.class)) {
            return new FetchException(Reason.ACCESS_DENIED, what + ": no Azure credentials: " + e.getMessage(), 1, e);
        }
        return StoreFailures.client(what, e);
    }
}
