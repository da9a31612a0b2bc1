package io.tagclip.inference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.tagclip.batch.FirstPassMemory;
import io.tagclip.tagging.TagClipBackbone;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Remembers first passes by input content, so that a test running one image through several vocabularies pays for
 * its vision forward once (the first pass does not depend on the vocabulary).
 */
final class FirstPassCache implements TagClipBackbone {

    private final TagClipBackbone delegate;
    private final NDManager keep;
    private final Map<Integer, Vision> cache = new HashMap<>();

    FirstPassCache(TagClipBackbone delegate, NDManager keep) {
        this.delegate = delegate;
        this.keep = keep;
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
    public Vision encodeTagClip(List<NDArray> images, float selfMask) {
        int key = 0;
        for (NDArray image : images) {
            key = key * 31 + Arrays.hashCode(image.getShape().getShape()) * 31 + Arrays.hashCode(image.toFloatArray());
        }
        Vision cached = cache.get(key);
        if (cached == null) {
            Vision fresh = delegate.encodeTagClip(images, selfMask);
            cached = new Vision(fresh.tokens().duplicate(), fresh.attentions().duplicate(), fresh.layout());
            cached.tokens().attach(keep);
            cached.attentions().attach(keep);
            cache.put(key, cached);
        }
        NDManager caller = images.get(0).getManager();
        NDArray tokens = cached.tokens().duplicate();
        NDArray attentions = cached.attentions().duplicate();
        tokens.attach(caller);
        attentions.attach(caller);
        return new Vision(tokens, attentions, cached.layout());
    }

    @Override
    public NDArray encodeClassMasked(NDArray images, NDArray classRowMask) {
        return delegate.encodeClassMasked(images, classRowMask);
    }
}
