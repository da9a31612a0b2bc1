package io.tagclip.objectstore;

import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How the service reaches S3 or an S3-compatible store.
 *
 * @param endpoint       an S3-compatible store's URL (MinIO, s3proxy, Ceph); empty for AWS's own endpoints
 * @param pathStyle      whether the bucket goes into the path ({@code endpoint/bucket/key}) rather than the host name
 *                       ({@code bucket.endpoint/key}); most S3-compatible stores need it
 * @param region         the signing region; empty takes the SDK's chain ({@code AWS_REGION}, {@code aws.region},
 *                       the profile, instance metadata)
 * @param allowedBuckets the buckets that may be read; empty refuses every one, {@code *} allows all
 */
public record S3Options(
        Optional<URI> endpoint, boolean pathStyle, Optional<String> region, List<String> allowedBuckets) {

    /** The configuration key of the allow-list, named when a bucket is refused. */
    public static final String ALLOWED_BUCKETS_SETTING = "tagger.fetch.s3.allowed-buckets";

    public S3Options {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(region, "region");
        allowedBuckets = List.copyOf(allowedBuckets);
    }
}
