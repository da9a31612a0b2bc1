package io.tagclip.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * What a test sees of one vision forward: the residual stream after every block, and optionally a positional table
 * that replaces the model's own (to feed the reference's table and compare layer by layer). Production forwards
 * use {@link #NONE}, which records nothing.
 */
final class VisionTrace {

    /** Records nothing and keeps the model's positional table. */
    static final VisionTrace NONE = new VisionTrace(null, false, null);

    private final NDArray positional;
    private final boolean recording;
    private final Function<Shape, NDArray> padding;
    private final List<NDArray> hidden = new ArrayList<>();

    private VisionTrace(NDArray positional, boolean recording, Function<Shape, NDArray> padding) {
        this.positional = positional;
        this.recording = recording;
        this.padding = padding;
    }

    /** Records the residual stream after each block; the model's positional table is used. */
    static VisionTrace recording() {
        return new VisionTrace(null, true, null);
    }

    /** Records the residual stream after each block, with {@code positional} [1+N,D] in place of the model's table. */
    static VisionTrace withPositional(NDArray positional) {
        return new VisionTrace(Objects.requireNonNull(positional, "positional"), true, null);
    }

    /** The residual stream [B,1+N,D] after each block, in block order. */
    List<NDArray> hiddenStates() {
        return List.copyOf(hidden);
    }

    /**
     * Records the residual stream after each block and fills the padded slots of a padded first pass with {@code padding}'s arrays (asked once per image, with the
     * slot's shape [1,T-T_i,D]) instead of zeros, to show that their values cannot reach a real token.
     */
    static VisionTrace padWith(Function<Shape, NDArray> padding) {
        return new VisionTrace(null, true, Objects.requireNonNull(padding, "padding"));
    }

    Optional<NDArray> padding(Shape shape) {
        return padding == null ? Optional.empty() : Optional.of(padding.apply(shape));
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
