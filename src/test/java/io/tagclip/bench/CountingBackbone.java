package io.tagclip.bench;

import ai.djl.ndarray.NDArray;
import io.tagclip.tagging.TagClipBackbone;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link TagClipBackbone} that counts what passes through it: first-pass images and CWR crops, and the time spent
 * in each kind of forward. With random weights the number of TagCLIP candidates (so of CWR crops) is arbitrary, and a
 * benchmark must say how many crops it ran per image to be read at all.
 */
final class CountingBackbone implements TagClipBackbone {

    /** Totals since the last {@link #reset()}. */
    record Counts(long images, long crops, long firstPassNanos, long cropNanos) {}

    private final TagClipBackbone delegate;
    private final AtomicLong images = new AtomicLong();
    private final AtomicLong crops = new AtomicLong();
    private final AtomicLong firstPassNanos = new AtomicLong();
    private final AtomicLong cropNanos = new AtomicLong();

    CountingBackbone(TagClipBackbone delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public float logitScale() {
        return delegate.logitScale();
    }

    @Override
    public Vision encodeTagClip(List<NDArray> images, float selfMask) {
        long start = System.nanoTime();
        Vision vision = delegate.encodeTagClip(images, selfMask);
        firstPassNanos.addAndGet(System.nanoTime() - start);
        this.images.addAndGet(images.size()); // B x [3,H,W]
        return vision;
    }

    @Override
    public NDArray encodeClassMasked(NDArray images, NDArray classRowMask) {
        long start = System.nanoTime();
        NDArray classTokens = delegate.encodeClassMasked(images, classRowMask);
        cropNanos.addAndGet(System.nanoTime() - start);
        crops.addAndGet(images.getShape().get(0)); // [B,3,S,S]
        return classTokens;
    }

    Counts counts() {
        return new Counts(images.get(), crops.get(), firstPassNanos.get(), cropNanos.get());
    }

    void reset() {
        images.set(0);
        crops.set(0);
        firstPassNanos.set(0);
        cropNanos.set(0);
    }
}
