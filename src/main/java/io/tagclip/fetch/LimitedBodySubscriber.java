package io.tagclip.fetch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Collects a response body into memory and cancels the download as soon as it would exceed {@code maxBytes}
 * (or at once when the declared Content-Length already does), so an oversized body never fills the heap.
 */
final class LimitedBodySubscriber implements HttpResponse.BodySubscriber<byte[]> {

    /** Signals an aborted oversized body through the response future; turned into {@code TOO_LARGE}. */
    static final class BodyTooLargeException extends IOException {
        BodyTooLargeException(String message) {
            super(message);
        }
    }

    private final long maxBytes;
    private final long declaredLength;
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private Flow.Subscription subscription;

    /** @param declaredLength the Content-Length header, or -1 when absent */
    LimitedBodySubscriber(long maxBytes, long declaredLength) {
        this.maxBytes = maxBytes;
        this.declaredLength = declaredLength;
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        if (declaredLength > maxBytes) {
            subscription.cancel();
            body.completeExceptionally(new BodyTooLargeException(
                    "declared Content-Length " + declaredLength + " exceeds the limit of " + maxBytes + " bytes"));
            return;
        }
        subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (body.isDone()) {
            return;
        }
        for (ByteBuffer item : items) {
            if ((long) buffer.size() + item.remaining() > maxBytes) {
                subscription.cancel();
                body.completeExceptionally(new BodyTooLargeException("body exceeds the limit of " + maxBytes
                        + " bytes (aborted after " + (buffer.size() + item.remaining()) + ")"));
                return;
            }
            byte[] chunk = new byte[item.remaining()];
            item.get(chunk);
            buffer.write(chunk, 0, chunk.length);
        }
    }

    @Override
    public void onError(Throwable throwable) {
        body.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
        body.complete(buffer.toByteArray());
    }
}
