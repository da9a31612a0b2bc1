package io.tagclip.fetch;

/**
 * What an object store says about an object before its body is read.
 *
 * @param size        the body's length in bytes
 * @param etag        the object's ETag, quotes removed, or {@code null}
 * @param versionId   the object's version, or {@code null} when the bucket or container does not version
 * @param contentType the stored Content-Type, or {@code null}
 */
public record ObjectInfo(long size, String etag, String versionId, String contentType) {

    public ObjectInfo {
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, got " + size);
        }
    }

    /**
     * An entity tag without its quotes and weak marker ({@code W/"abc"} and {@code "abc"} are {@code abc}), or
     * {@code null} for none.
     */
    public static String plainEtag(String etag) {
        if (etag == null) {
            return null;
        }
        String e = etag.strip();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
            e = e.substring(1, e.length() - 1);
        }
        return e.isEmpty() ? null : e;
    }
}
