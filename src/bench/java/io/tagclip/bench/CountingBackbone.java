package io.tagclip.bench;

import ai.djl.ndarray.NDArray;
import io.tagclip.batch.FirstPassMemory;
import io.tagclip.clip.LayerMaps;
import io.tagclip.tagging.TagClipBackbone;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link TagClipBackbone} that counts what passes through it: first-pass images and CWR crops, and the time spent
 * in each kind of forward. With random weights the number of TagCLIP candidates (so of CWR crops) is arbitrary, and a
 * benchmark must say how many crops it ran per image to be read at all.
 */
final class CountingBackbone implements TagClipBackbone {

    /** Patch side of the ViT-B/16 models the benchmarks run. */
    private static final int PATCH = 16;

    /** Totals since the last {@link #reset()}. */
    record Counts(long images, long crops, long firstPassNanos, long cropNanos) {}

    /** One forward: first pass or crop, its batch, its tokens per image and its wall time. */
    record Forward(boolean crop, long batch, long tokens, long nanos) {}

    private final TagClipBackbone delegate;
    private final AtomicLong images = new AtomicLong();
    private final AtomicLong crops = new AtomicLong();
    private final AtomicLong firstPassNanos = new AtomicLong();
    private final AtomicLong cropNanos = new AtomicLong();
    private final List<Forward> forwards = new ArrayList<>();

    CountingBackbone(TagClipBackbone delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public FirstPassMemory firstPassMemory() {
        return delegate.firstPassMemory();
    }

    @Override
    public float logitScale() {
        return delegate.logitScale();
    }

    @Override
    public Vision encodeTagClip(List<NDArray> images, float selfMask, LayerMaps maps) {
        long start = System.nanoTime();
        Vision vision = delegate.encodeTagClip(images, selfMask, maps);
        long nanos = System.nanoTime() - start;
        firstPassNanos.addAndGet(nanos);
        this.images.addAndGet(images.size()); // B x [3,H,W]
        long tokens = 0; // the forward runs at its longest image's token count (the others are padded to it)
        for (NDArray image : images) {
            tokens = Math.max(
                    tokens,
                    1 + (image.getShape().get(1) / PATCH) * (image.getShape().get(2) / PATCH));
        }
        synchronized (forwards) {
            forwards.add(new Forward(false, images.size(), tokens, nanos));
        }
        return vision;
    }

    @Override
    public NDArray encodeClassMasked(NDArray images, NDArray classRowMask) {
        long start = System.nanoTime();
        NDArray classTokens = delegate.encodeClassMasked(images, classRowMask);
        long nanos = System.nanoTime() - start;
        cropNanos.addAndGet(nanos);
        crops.addAndGet(images.getShape().get(0)); // [B,3,S,S]
        record(true, images, nanos);
        return classTokens;
    }

    private void record(boolean crop, NDArray images, long nanos) {
        long tokens =
                1 + (images.getShape().get(2) / PATCH) * (images.getShape().get(3) / PATCH); // [B,3,H,W]
        synchronized (forwards) {
            forwards.add(new Forward(crop, images.getShape().get(0), tokens, nanos));
        }
    }

    /** Every forward since the last {@link #reset()}, in call order. */
    List<Forward> forwards() {
        synchronized (forwards) {
            return List.copyOf(forwards);
        }
    }

    Counts counts() {
        return new Counts(images.get(), crops.get(), firstPassNanos.get(), cropNanos.get());
    }

    void reset() {
        images.set(0);
        crops.set(0);
        firstPassNanos.set(0);
        cropNanos.set(0);
        synchronized (forwards) {
            forwards.clear();
        }
    }
}
