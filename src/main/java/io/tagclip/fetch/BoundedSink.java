package io.tagclip.fetch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Collects an object's body and refuses, by throwing, to take more than {@code maxBytes} or to go on past its
 * deadline; it remembers which, so the fetcher can say {@code TOO_LARGE} or {@code TIMEOUT} however the store's SDK
 * wraps the exception.
 */
final class BoundedSink extends OutputStream {

    /** Thrown from {@link #write} when the body outgrows the limit or the deadline passes. */
    static final class Refused extends IOException {
        Refused(String message) {
            super(message);
        }
    }

    private final long maxBytes;
    private final long deadlineNanos;
    private final ByteArrayOutputStream buffer;
    private String refusal;
    private boolean overflowed;

    /** @param expectedBytes the size the store announced, to size the buffer once */
    BoundedSink(long maxBytes, long expectedBytes, long deadlineNanos) {
        this.maxBytes = maxBytes;
        this.deadlineNanos = deadlineNanos;
        this.buffer = new ByteArrayOutputStream((int) Math.max(32, Math.min(expectedBytes, maxBytes)));
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (refusal != null) {
            throw new Refused(refusal);
        }
        if ((long) buffer.size() + len > maxBytes) {
            overflowed = true;
            refusal = "body exceeds the limit of " + maxBytes + " bytes (aborted after " + (buffer.size() + len) + ")";
            throw new Refused(refusal);
        }
        if (System.nanoTime() - deadlineNanos > 0) {
            refusal = "body not complete within the read timeout (" + buffer.size() + " bytes so far)";
            throw new Refused(refusal);
        }
        buffer.write(b, off, len);
    }

    /** Why the sink refused more, or {@code null}. */
    String refusal() {
        return refusal;
    }

    boolean overflowed() {
        return overflowed;
    }

    int size() {
        return buffer.size();
    }

    byte[] bytes() {
        return buffer.toByteArray();
    }
}
