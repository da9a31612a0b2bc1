package io.tagclip.clip;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tagclip.weights.Fp16;
import io.tagclip.weights.SafeTensors;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes safetensors files for tests (F32, F16, BF16 or I64 from float values). */
final class SafeTensorsWriter {

    /** One tensor to write: name, dtype ("F32", "F16", "BF16"), shape and float values. */
    record Tensor(String dtype, long[] shape, float[] values) {}

    private SafeTensorsWriter() {}

    static void write(Path file, Map<String, Tensor> tensors) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        Map<String, byte[]> data = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> entry : tensors.entrySet()) {
            Tensor t = entry.getValue();
            byte[] bytes = encode(t);
            ObjectNode node = header.putObject(entry.getKey());
            node.put("dtype", t.dtype());
            ArrayNode shape = node.putArray("shape");
            for (long dim : t.shape()) {
                shape.add(dim);
            }
            node.putArray("data_offsets").add(offset).add(offset + bytes.length);
            offset += bytes.length;
            data.put(entry.getKey(), bytes);
        }
        StringBuilder text = new StringBuilder(json.writeValueAsString(header));
        while (text.length() % 8 != 0) {
            text.append(' ');
        }
        byte[] headerBytes = text.toString().getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(headerBytes.length)
                    .array());
            out.write(headerBytes);
            for (byte[] bytes : data.values()) {
                out.write(bytes);
            }
        }
    }

    private static byte[] encode(Tensor t) {
        float[] v = t.values();
        switch (t.dtype()) {
            case "F32" -> {
                ByteBuffer buffer = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
                for (float f : v) {
                    buffer.putFloat(f);
                }
                return buffer.array();
            }
            case "F16" -> {
                ByteBuffer buffer = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
                for (float f : v) {
                    buffer.putShort(Fp16.floatToHalf(f));
                }
                return buffer.array();
            }
            case "BF16" -> {
                ByteBuffer buffer = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
                for (float f : v) {
                    buffer.putShort((short) (Float.floatToRawIntBits(roundToBfloat16(f)) >>> 16));
                }
                return buffer.array();
            }
            case "I64" -> { // integer buffers such as position_ids, given as whole float values
                ByteBuffer buffer = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
                for (float f : v) {
                    buffer.putLong((long) f);
                }
                return buffer.array();
            }
            default -> throw new IllegalArgumentException("unsupported dtype " + t.dtype());
        }
    }

    /** Nearest bfloat16 (round half to even), as a float. */
    static float roundToBfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(rounded & 0xffff0000);
    }

    /** All tensors of a file as float values, re-typed to {@code dtype}. */
    static Map<String, Tensor> readAll(Path file, String dtype) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (SafeTensors in = SafeTensors.open(file)) {
            in.entries().forEach((name, entry) -> out.put(name, new Tensor(dtype, entry.shape(), in.readFloats(name))));
        }
        return out;
    }
}
