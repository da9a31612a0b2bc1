package io.tagclip.clip;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/** A checkpoint file's tensors: names, dtypes and shapes known when opened, values read on demand as float32. */
interface TensorFile extends AutoCloseable {

    /**
     * One tensor's description.
     *
     * @param dtype safetensors-style dtype name ({@code F32}, {@code F16}, {@code BF16}, {@code I64}, ...)
     * @param shape dimensions, row-major; empty for a scalar
     */
    record Entry(String dtype, long[] shape) {

        long elementCount() {
            long count = 1;
            for (long dim : shape) {
                count *= dim;
            }
            return count;
        }

        String shapeString() {
            return Arrays.toString(shape);
        }
    }

    /** The file the tensors come from, for messages. */
    Path file();

    /** Every tensor by name, in file order. */
    Map<String, Entry> entries();

    /** Tensor {@code name} (F32, F16 or BF16) as float32 values in row-major order. */
    float[] readFloats(String name);

    @Override
    void close();
}
