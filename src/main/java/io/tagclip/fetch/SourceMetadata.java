package io.tagclip.fetch;

/**
 * Which bytes an image was decoded from, so that a consumer can tell whether a tag event still describes the object
 * behind its URI.
 *
 * @param etag      the ETag the server or store gave the bytes, quotes removed, or {@code null}
 * @param versionId the object-store version, or {@code null}
 * @param sha256    lower-case hex SHA-256 of the bytes as fetched (before decoding)
 */
public record SourceMetadata(String etag, String versionId, String sha256) {}
