package io.tagclip.inference;

import ai.djl.ndarray.NDArray;
import io.tagclip.batch.FirstPassMemory;
import io.tagclip.clip.ClipConfig;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.LayerMaps;
import io.tagclip.clip.VisionOutput;
import io.tagclip.tagging.TagClipBackbone;
import java.util.List;
import java.util.Objects;

/** The TagCLIP forwards of a {@link ClipModel}. */
public final class ClipModelBackbone implements TagClipBackbone {

    private final ClipModel model;

    public ClipModelBackbone(ClipModel model) {
        this.model = Objects.requireNonNull(model, "model");
    }

    @Override
    public float logitScale() {
        return model.logitScale();
    }

    @Override
    public FirstPassMemory firstPassMemory() {
        return firstPassMemory(model);
    }

    /** The vision tower's dimensions of {@code model}, on its device, for first-pass memory estimates. */
    public static FirstPassMemory firstPassMemory(ClipModel model) {
        ClipConfig c = model.config();
        return new FirstPassMemory(
                c.visionLayers(),
                c.visionHeads(),
                c.visionWidth(),
                c.visionMlpWidth(),
                model.device().isGpu());
    }

    @Override
    public Vision encodeTagClip(List<NDArray> images, float selfMask, LayerMaps maps) {
        VisionOutput out = model.encodeImagesTagClip(images, selfMask, maps);
        return new Vision(out.tokens(), out.layout());
    }

    @Override
    public NDArray encodeClassMasked(NDArray images, NDArray classRowMask) {
        return model.encodeImageClassMasked(images, classRowMask);
    }
}
