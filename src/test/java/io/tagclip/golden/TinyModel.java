package io.tagclip.golden;

import io.tagclip.clip.ClipLoader;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.ClipOptions;

/**
 * The tiny fixture model ({@code tagclip-tiny}, real ViT-B/16 layout, random weights) on the CPU in float32, loaded
 * once per test JVM and shared by every test that reads it. It is never closed: a test must not close it, and a test
 * that needs other options (fp16, another folder) loads its own.
 */
public final class TinyModel {

    private static ClipModel shared;

    private TinyModel() {}

    public static synchronized ClipModel shared() {
        if (shared == null) {
            shared = ClipLoader.load(Golden.modelDir(), ClipOptions.cpu());
        }
        return shared;
    }
}
