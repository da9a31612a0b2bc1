package io.tagclip.fetch;

import java.util.Objects;

/** Why an image could not be fetched or decoded; the message names the bad value (URI, status, size, address). */
public final class FetchException extends Exception {

    /**
     * Failure classes; the names match the dead-letter reasons of the same name. The dead-letter enum is frozen, so a
     * reason added after it ({@link #BUCKET_NOT_ALLOWED}) travels by name only, with the enum's {@code UNKNOWN}.
     */
    public enum Reason {
        /** The URI is malformed, or its scheme is not http, https, an enabled {@code file:} or a configured store. */
        UNSUPPORTED_SCHEME,
        /** The host resolves to an address the SSRF guard refuses. */
        BLOCKED_ADDRESS,
        /** HTTP 404/410, an unknown host, a missing file, or no such object, bucket or container. */
        NOT_FOUND,
        /** HTTP 401/403, a file outside the allowed roots, or no (or wrong) object-store credentials. */
        ACCESS_DENIED,
        /** Any other HTTP status, too many redirects, or a connection failure. */
        HTTP_ERROR,
        /**
         * Connecting or reading took longer than allowed, on every attempt; or an image's wait for decode memory and
         * its decode took longer than the decode deadline.
         */
        TIMEOUT,
        /** The body or the image's pixel count exceeds its limit. */
        TOO_LARGE,
        /** The bytes are not one of the supported image formats. */
        UNSUPPORTED_FORMAT,
        /** The bytes look like a supported format but could not be decoded, or are a JPEG of too many scans. */
        UNDECODABLE,
        /**
         * An object-store URI whose bucket or container is not on its store's allow-list; refused before any request.
         * Newer than the frozen dead-letter enum.
         */
        BUCKET_NOT_ALLOWED
    }

    private final Reason reason;
    private final int attempts;
    private final boolean retryable;

    public FetchException(Reason reason, String message) {
        this(reason, message, 1, null);
    }

    public FetchException(Reason reason, String message, int attempts, Throwable cause) {
        this(reason, message, attempts, cause, false);
    }

    private FetchException(Reason reason, String message, int attempts, Throwable cause, boolean retryable) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.attempts = attempts;
        this.retryable = retryable;
    }

    /**
     * A failure worth another attempt after the back-off (an object store's throttling or 5xx answer, a changed
     * object between its size check and its download), with {@code reason} if no attempt is left.
     */
    public static FetchException retryable(Reason reason, String message, Throwable cause) {
        return new FetchException(reason, message, 1, cause, true);
    }

    /** Whether another attempt may succeed: {@link #retryable} failures and every {@code TIMEOUT}. */
    public boolean isRetryable() {
        return retryable || reason == Reason.TIMEOUT;
    }

    public Reason reason() {
        return reason;
    }

    /** How many requests were made before giving up (1 when nothing was retried). */
    public int attempts() {
        return attempts;
    }

    /** The same failure, counting {@code attempts} tries. */
    FetchException withAttempts(int attempts) {
        return attempts == this.attempts
                ? this
                : new FetchException(reason, getMessage(), attempts, getCause(), retryable);
    }
}
