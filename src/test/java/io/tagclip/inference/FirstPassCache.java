package io.tagclip.inference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import io.tagclip.batch.FirstPassMemory;
import io.tagclip.clip.LayerMaps;
import io.tagclip.clip.TokenLayout;
import io.tagclip.tagging.TagClipBackbone;
import java.util.ArrayList;
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
    private final Map<Integer, Pass> cache = new HashMap<>();

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
    public Vision encodeTagClip(List<NDArray> images, float selfMask, LayerMaps maps) {
        int key = 0;
        for (NDArray image : images) {
            key = key * 31 + Arrays.hashCode(image.getShape().getShape()) * 31 + Arrays.hashCode(image.toFloatArray());
        }
        Pass cached = cache.get(key);
        if (cached == null) {
            List<NDArray> layers = new ArrayList<>();
            Vision fresh = delegate.encodeTagClip(images, selfMask, (layer, map) -> {
                NDArray kept = map.duplicate();
                NDScope.unregister(kept); // the forward frees what is made during the call
                kept.attach(keep);
                layers.add(kept);
            });
            NDArray tokens = fresh.tokens().duplicate();
            tokens.attach(keep);
            cached = new Pass(tokens, layers, fresh.layout());
            cache.put(key, cached);
        }
        NDManager caller = images.get(0).getManager();
        for (int layer = 0; layer < cached.maps().size(); layer++) {
            try (NDArray map = cached.maps().get(layer).duplicate()) {
                maps.accept(layer, map);
            }
        }
        NDArray tokens = cached.tokens().duplicate();
        tokens.attach(caller);
        return new Vision(tokens, cached.layout());
    }

    /** A first pass kept: its tokens and every layer's map. */
    private record Pass(NDArray tokens, List<NDArray> maps, TokenLayout layout) {}

    @Override
    public NDArray encodeClassMasked(NDArray images, NDArray classRowMask) {
        return delegate.encodeClassMasked(images, classRowMask);
    }
}
