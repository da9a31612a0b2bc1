package io.tagclip.fetch;

import java.util.Objects;

/** Why an image could not be fetched or decoded; the message names the bad value (URI, status, size, address). */
public final class FetchException extends Exception {

    /** Failure classes; the names match the dead-letter reasons of the same name. */
    public enum Reason {
        /** The URI is malformed, or its scheme is not http, https or an enabled {@code file:}. */
        UNSUPPORTED_SCHEME,
        /** The host resolves to an address the SSRF guard refuses. */
        BLOCKED_ADDRESS,
        /** HTTP 404/410, an unknown host, or a missing file. */
        NOT_FOUND,
        /** HTTP 401/403, or a file outside the allowed roots. */
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
        UNDECODABLE
    }

    private final Reason reason;
    private final int attempts;

    public FetchException(Reason reason, String message) {
        this(reason, message, 1, null);
    }

    public FetchException(Reason reason, String message, int attempts, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.attempts = attempts;
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
        return attempts == this.attempts ? this : new FetchException(reason, getMessage(), attempts, getCause());
    }
}
