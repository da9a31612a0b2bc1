package io.tagclip.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * The one door from the model's device to the host for the tagging path: every read of a tensor's values goes through
 * {@link #floats}, which counts it. On a GPU each such read waits for the device to finish and copies over the bus,
 * so the count per pipeline call is what tests hold constant (it must not grow with the number of images). The
 * count is per thread, so tests running in parallel do not see each other's reads. The one read that only the CPU
 * path makes (the last block's "every row is self-only" flag, where host and device memory are the same) copies
 * nothing and is not counted.
 */
public final class HostTransfers {

    private static final ThreadLocal<long[]> COUNT = ThreadLocal.withInitial(() -> new long[1]);

    private HostTransfers() {}

    /** The values of {@code array} as float32, row-major: one device-to-host copy. */
    public static float[] floats(NDArray array) {
        COUNT.get()[0]++;
        if (array.getDataType() == DataType.FLOAT32) {
            return array.toFloatArray();
        }
        try (NDArray converted = array.toType(DataType.FLOAT32, false)) {
            return converted.toFloatArray();
        }
    }

    /** Device-to-host copies made through {@link #floats} on this thread so far. */
    public static long count() {
        return COUNT.get()[0];
    }
}
