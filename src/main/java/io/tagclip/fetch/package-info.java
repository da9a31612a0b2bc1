/**
 * Turns an image URI into decoded RGB pixels: http/https through the JDK {@link java.net.http.HttpClient} (timeouts,
 * size limit, bounded retries, manually followed redirects), {@code file:} under configured roots, object stores
 * through the {@link io.tagclip.fetch.ObjectStore} interface (bucket allow-lists, size checked before the download,
 * the same limits and retries; the SDK-backed stores are in {@code io.tagclip.objectstore}), an SSRF guard that
 * refuses private and metadata addresses, content sniffing by magic bytes, ImageIO decoding with a pixel limit
 * checked before decoding, and EXIF orientation.
 *
 * <p>May import the JDK, ImageIO plugins and {@code io.tagclip.image}; never an object store's SDK, Kafka, Quarkus, CDI or
 * the generated Avro classes. Does not log: every problem is a {@link io.tagclip.fetch.FetchException} carrying a
 * {@link io.tagclip.fetch.FetchException.Reason}.
 */
package io.tagclip.fetch;
