package io.tagclip.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;

/** A checkpoint file's tensors: names, dtypes and shapes known when opened, values read on demand as float32. */
public interface TensorFile extends AutoCloseable {

    /** The lower-case hex sha256 of a file's bytes, read in 1 MiB chunks. */
    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 20];
            int read;
            while ((read = in.read(buffer)) > 0) {
                digest.update(buffer, 0, read);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /**
     * One tensor's description.
     *
     * @param dtype safetensors-style dtype name ({@code F32}, {@code F16}, {@code BF16}, {@code I64}, ...)
     * @param shape dimensions, row-major; empty for a scalar
     */
    record Entry(String dtype, long[] shape) {

        public long elementCount() {
            long count = 1;
            for (long dim : shape) {
                count *= dim;
            }
            return count;
        }

        public String shapeString() {
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
