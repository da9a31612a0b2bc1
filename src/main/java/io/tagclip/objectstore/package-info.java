/**
 * The object stores behind {@code s3://} and {@code az://} image URIs, each an {@link io.tagclip.fetch.ObjectStore}
 * over its provider's SDK: {@link io.tagclip.objectstore.S3ObjectStore} (AWS SDK for Java v2, the JDK's
 * HttpURLConnection as its HTTP client) and {@link io.tagclip.objectstore.AzureBlobStore} (Azure Storage Blob SDK,
 * the JDK HttpClient). Their SDKs' own retries are off: {@code fetch} retries, bounds and checks every request the
 * same way for every scheme.
 *
 * <p>May import the JDK, the two SDKs, {@code io.tagclip.image} and {@code io.tagclip.fetch}; never Kafka, Quarkus,
 * CDI or the generated Avro classes. Does not log: every problem is a {@link io.tagclip.fetch.FetchException}.
 */
package io.tagclip.objectstore;
