package io.tagclip.objectstore;

import io.tagclip.fetch.ContainerAllowList;
import io.tagclip.fetch.FetchException;
import io.tagclip.fetch.FetchException.Reason;
import io.tagclip.fetch.FetchSettings;
import io.tagclip.fetch.ObjectInfo;
import io.tagclip.fetch.ObjectLocation;
import io.tagclip.fetch.ObjectStore;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * {@code s3://bucket/key[?versionId=V]} through the AWS SDK for Java v2. Credentials come from the provider it is
 * given, in the service the SDK's default chain (environment, system properties, web identity token / IRSA, the
 * profile file, container and instance metadata); the region from the options or the SDK's chain. The SDK makes
 * exactly one request per call: its retries are off, its HTTP client's connect and socket timeouts and its per-call
 * timeout are the fetch settings'. Without allowed buckets no client is built: every URI is refused before a request.
 */
public final class S3ObjectStore implements ObjectStore, AutoCloseable {

    private static final int BUFFER_BYTES = 64 * 1024;

    private final S3Options options;
    private final ContainerAllowList allowList;
    private final S3Client client;

    /** A store whose credentials come from the SDK's default chain. */
    public static S3ObjectStore withDefaultCredentials(S3Options options, FetchSettings settings) {
        return new S3ObjectStore(
                options, settings, DefaultCredentialsProvider.builder().build());
    }

    /**
     * @throws IllegalArgumentException when an allowed bucket is malformed, or buckets are allowed but no region is
     *     configured anywhere (naming where to set one)
     */
    public S3ObjectStore(S3Options options, FetchSettings settings, AwsCredentialsProvider credentials) {
        this.options = options;
        this.allowList = new ContainerAllowList(S3Options.ALLOWED_BUCKETS_SETTING, options.allowedBuckets(), false);
        this.client = allowList.entries().isEmpty() ? null : client(options, settings, credentials);
    }

    private static S3Client client(S3Options options, FetchSettings settings, AwsCredentialsProvider credentials) {
        var builder = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(settings.connectTimeout())
                        .socketTimeout(settings.readTimeout()))
                .credentialsProvider(credentials)
                .region(region(options))
                .forcePathStyle(options.pathStyle())
                // Plain GETs: no checksum headers a compatible store may not know, none computed on the way.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallAttemptTimeout(settings.readTimeout())
                        .apiCallTimeout(settings.readTimeout())
                        .build());
        options.endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    private static Region region(S3Options options) {
        if (options.region().isPresent()) {
            return Region.of(options.region().get());
        }
        try {
            return new DefaultAwsRegionProviderChain().getRegion();
        } catch (SdkClientException e) {
            throw new IllegalArgumentException(
                    "no AWS region for s3:// URIs: set tagger.fetch.s3.region, AWS_REGION or a profile's region", e);
        }
    }

    @Override
    public String scheme() {
        return "s3";
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
        return options.endpoint();
    }

    @Override
    public ObjectInfo head(ObjectLocation location) throws FetchException, InterruptedException {
        HeadObjectRequest request = HeadObjectRequest.builder()
                .bucket(location.container())
                .key(location.key())
                .versionId(location.versionId())
                .build();
        try {
            HeadObjectResponse head = client().headObject(request);
            long size = head.contentLength() == null ? 0 : head.contentLength();
            return new ObjectInfo(size, ObjectInfo.plainEtag(head.eTag()), head.versionId(), head.contentType());
        } catch (SdkServiceException e) {
            throw StoreFailures.status(e.statusCode(), "HEAD " + location.uri(), e);
        } catch (SdkClientException e) {
            throw clientFailure("HEAD " + location.uri(), e);
        }
    }

    @Override
    public void download(ObjectLocation location, ObjectInfo info, OutputStream sink)
            throws FetchException, InterruptedException {
        GetObjectRequest.Builder request =
                GetObjectRequest.builder().bucket(location.container()).key(location.key());
        // The bytes whose size was checked: that version, else that ETag (a 412 when the object was replaced).
        String version = location.versionId() != null ? location.versionId() : info.versionId();
        request.versionId(version);
        if (info.etag() != null) {
            request.ifMatch("\"" + info.etag() + "\"");
        }
        String what = "GET " + location.uri();
        try (ResponseInputStream<GetObjectResponse> body = client().getObject(request.build())) {
            byte[] buffer = new byte[BUFFER_BYTES];
            for (int n = body.read(buffer); n >= 0; n = body.read(buffer)) {
                sink.write(buffer, 0, n);
            }
        } catch (SdkServiceException e) {
            throw StoreFailures.status(e.statusCode(), what, e);
        } catch (SdkClientException e) {
            throw clientFailure(what, e);
        } catch (IOException e) {
            throw StoreFailures.client(what, e);
        }
    }

    private S3Client client() throws FetchException {
        if (client == null) {
            throw new FetchException(Reason.BUCKET_NOT_ALLOWED, S3Options.ALLOWED_BUCKETS_SETTING + " is empty");
        }
        return client;
    }

    /** Missing credentials are {@code ACCESS_DENIED}, never retried; the rest as {@link StoreFailures#client}. */
    private static FetchException clientFailure(String what, SdkClientException e) throws InterruptedException {
        String message = String.valueOf(e.getMessage());
        if (e instanceof ApiCallAttemptTimeoutException || e instanceof ApiCallTimeoutException) {
            return new FetchException(Reason.TIMEOUT, what + " timed out: " + message, 1, e);
        }
        if (message.startsWith("Unable to load credentials")) {
            return new FetchException(Reason.ACCESS_DENIED, what + ": no AWS credentials: " + message, 1, e);
        }
        return StoreFailures.client(what, e);
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
    }
}
