package io.tagclip.streams;

import io.tagclip.clip.ClipModel;

/** A streams class that reaches past the seam into the model: the allow-list rule must reject it. */
public final class ModelSideImportFixture {

    private ModelSideImportFixture() {}

    static String modelIdOf(ClipModel model) {
        return model.modelId();
    }
}
