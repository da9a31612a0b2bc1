package io.tagclip.clip;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a test sees of one vision forward: the residual stream after every block, and optionally a positional table
 * that replaces the model's own (to feed the reference's table and compare layer by layer). Production forwards
 * use {@link #NONE}, which records nothing.
 */
final class VisionTrace {

    /** Records nothing and keeps the model's positional table. */
    static final VisionTrace NONE = new VisionTrace(null, false);

    private final NDArray positional;
    private final boolean recording;
    private final List<NDArray> hidden = new ArrayList<>();

    private VisionTrace(NDArray positional, boolean recording) {
        this.positional = positional;
        this.recording = recording;
    }

    /** Records the residual stream after each block; the model's positional table is used. */
    static VisionTrace recording() {
        return new VisionTrace(null, true);
    }

    /** Records the residual stream after each block, with {@code positional} [1+N,D] in place of the model's table. */
    static VisionTrace withPositional(NDArray positional) {
        return new VisionTrace(Objects.requireNonNull(positional, "positional"), true);
    }

    /** The residual stream [B,1+N,D] after each block, in block order. */
    List<NDArray> hiddenStates() {
        return List.copyOf(hidden);
    }

    Optional<NDArray> positional() {
        return Optional.ofNullable(positional);
    }

    void hidden(NDArray afterBlock) {
        if (recording) {
            hidden.add(afterBlock);
        }
    }
}
