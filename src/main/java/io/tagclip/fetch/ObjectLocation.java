package io.tagclip.fetch;

import io.tagclip.fetch.FetchException.Reason;
import java.net.URI;
import java.util.Objects;

/**
 * An object in a store: {@code s3://bucket/key} or {@code az://account/container/blob}, optionally pinned to one
 * version with {@code ?versionId=}.
 *
 * @param uri       the URI as the event gave it
 * @param account   the storage account ({@code az}), or {@code null} where the scheme has none ({@code s3})
 * @param container the bucket or container
 * @param key       the object key or blob name: the URI's path after the container, percent-decoded
 * @param versionId the version asked for, or {@code null} for the current one
 */
public record ObjectLocation(URI uri, String account, String container, String key, String versionId) {

    private static final String VERSION_PARAMETER = "versionId=";

    public ObjectLocation {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(container, "container");
        Objects.requireNonNull(key, "key");
    }

    /** The container as allow-list entries name it: {@code bucket}, or {@code account/container}. */
    public String qualifiedContainer() {
        return account == null ? container : account + "/" + container;
    }

    /**
     * {@code scheme://bucket/key[?versionId=V]}: the authority is the bucket, the path the key.
     *
     * @throws FetchException {@code UNSUPPORTED_SCHEME} naming what is missing or unexpected
     */
    public static ObjectLocation bucketAndKey(URI uri) throws FetchException {
        String bucket = uri.getRawAuthority();
        if (bucket == null || bucket.isEmpty() || bucket.contains("@") || bucket.contains(":")) {
            throw malformed(uri, "no bucket (expected " + uri.getScheme() + "://bucket/key)");
        }
        String key = path(uri);
        if (key.isEmpty()) {
            throw malformed(uri, "no key (expected " + uri.getScheme() + "://bucket/key)");
        }
        return new ObjectLocation(uri, null, bucket, key, versionId(uri));
    }

    /**
     * {@code scheme://account/container/blob[?versionId=V]}: the authority is the account, the path's first segment
     * the container, the rest the blob name.
     *
     * @throws FetchException {@code UNSUPPORTED_SCHEME} naming what is missing or unexpected
     */
    public static ObjectLocation accountContainerAndKey(URI uri) throws FetchException {
        String expected = " (expected " + uri.getScheme() + "://account/container/blob)";
        String account = uri.getRawAuthority();
        if (account == null || account.isEmpty() || account.contains("@") || account.contains(":")) {
            throw malformed(uri, "no account" + expected);
        }
        String path = path(uri);
        int slash = path.indexOf('/');
        if (slash <= 0 || slash == path.length() - 1) {
            throw malformed(uri, "no container and blob name" + expected);
        }
        return new ObjectLocation(uri, account, path.substring(0, slash), path.substring(slash + 1), versionId(uri));
    }

    private static String path(URI uri) throws FetchException {
        if (uri.isOpaque()) {
            throw malformed(uri, "not a hierarchical URI");
        }
        if (uri.getRawFragment() != null) {
            throw malformed(uri, "a fragment has no meaning for an object");
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        return path.startsWith("/") ? path.substring(1) : path;
    }

    private static String versionId(URI uri) throws FetchException {
        String query = uri.getQuery();
        if (query == null) {
            return null;
        }
        if (!query.startsWith(VERSION_PARAMETER)
                || query.length() == VERSION_PARAMETER.length()
                || query.indexOf('&') >= 0) {
            throw malformed(uri, "the only query parameter an object URI takes is versionId=VERSION");
        }
        return query.substring(VERSION_PARAMETER.length());
    }

    private static FetchException malformed(URI uri, String what) {
        return new FetchException(Reason.UNSUPPORTED_SCHEME, "object URI " + uri + ": " + what);
    }
}
