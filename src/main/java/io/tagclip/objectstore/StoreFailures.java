package io.tagclip.objectstore;

import io.tagclip.fetch.FetchException;
import io.tagclip.fetch.FetchException.Reason;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.TimeoutException;

/** The one mapping of object-store answers and client errors to fetch failures, shared by both stores. */
final class StoreFailures {

    private static final int MAX_CAUSES = 16;

    private StoreFailures() {}

    /**
     * The failure an HTTP status of a store means: 404 {@code NOT_FOUND}; 401/403 {@code ACCESS_DENIED}, never
     * retried; 408 {@code TIMEOUT}; 412 (the object changed between its size check and the download), 429 and 5xx
     * (throttling, server trouble) a retryable {@code HTTP_ERROR}; anything else {@code HTTP_ERROR}.
     */
    static FetchException status(int status, String what, Throwable cause) {
        String message = what + ": HTTP " + status;
        return switch (status) {
            case 404 -> new FetchException(Reason.NOT_FOUND, message, 1, cause);
            case 401, 403 -> new FetchException(Reason.ACCESS_DENIED, message, 1, cause);
            case 408 -> new FetchException(Reason.TIMEOUT, message, 1, cause);
            case 412 ->
                FetchException.retryable(Reason.HTTP_ERROR, message + " (changed since its size was read)", cause);
            case 429 -> FetchException.retryable(Reason.HTTP_ERROR, message, cause);
            default ->
                status / 100 == 5
                        ? FetchException.retryable(Reason.HTTP_ERROR, message, cause)
                        : new FetchException(Reason.HTTP_ERROR, message, 1, cause);
        };
    }

    /**
     * The failure a client-side error means (no answer from the store): a timeout anywhere in its causes is
     * {@code TIMEOUT}, a refused connection or anything else {@code HTTP_ERROR}.
     *
     * @throws InterruptedException when the error is the calling thread's interruption
     */
    static FetchException client(String what, Throwable error) throws InterruptedException {
        if (Thread.currentThread().isInterrupted() || has(error, InterruptedException.class)) {
            InterruptedException interrupted = new InterruptedException(what + " interrupted");
            interrupted.initCause(error);
            throw interrupted;
        }
        if (has(error, SocketTimeoutException.class)
                || has(error, HttpTimeoutException.class)
                || has(error, TimeoutException.class)
                || has(error, InterruptedIOException.class)) {
            return new FetchException(Reason.TIMEOUT, what + " timed out: " + error.getMessage(), 1, error);
        }
        if (has(error, ConnectException.class)) {
            return new FetchException(Reason.HTTP_ERROR, "cannot connect for " + what + ": " + error, 1, error);
        }
        return new FetchException(Reason.HTTP_ERROR, what + " failed: " + error, 1, error);
    }

    /** Whether {@code type} is among {@code error} and its causes. */
    static boolean has(Throwable error, Class<? extends Throwable> type) {
        Throwable t = error;
        for (int i = 0; t != null && i < MAX_CAUSES; i++) {
            if (type.isInstance(t)) {
                return true;
            }
            t = t.getCause();
        }
        return false;
    }
}
