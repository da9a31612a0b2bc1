package io.tagclip.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reader for the safetensors container: an 8-byte little-endian header length, a JSON header mapping each tensor
 * name to {@code {"dtype","shape","data_offsets"}}, then the raw little-endian data. F32, F16 and BF16 tensors are
 * read as float32 in Java (DJL cannot create BF16 arrays on the CPU), streamed in chunks so the file is never held in
 * memory at once.
 */
public final class SafeTensors implements TensorFile {

    /** One tensor's header entry. */
    record TensorInfo(String name, String dtype, long[] shape, long begin, long end) {

        Entry entry() {
            return new Entry(dtype, shape);
        }

        long elementCount() {
            return entry().elementCount();
        }

        String shapeString() {
            return entry().shapeString();
        }
    }

    private static final long MAX_HEADER_BYTES = 100L << 20;
    private static final int CHUNK_BYTES = 4 << 20;

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;

    private SafeTensors(Path file, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
    }

    /** Opens {@code file} and parses its header; errors name the file. */
    public static SafeTensors open(Path file) {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new ModelLoadException("model file not found: " + file, e);
        } catch (IOException e) {
            throw new ModelLoadException("cannot open model file " + file + ": " + e.getMessage(), e);
        }
        try {
            long size = channel.size();
            if (size < 8) {
                throw new ModelLoadException("not a safetensors file (only " + size + " bytes): " + file);
            }
            ByteBuffer lengthBuffer = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBuffer, 0);
            long headerLength = lengthBuffer.flip().getLong();
            if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > size) {
                throw new ModelLoadException(
                        "not a safetensors file (header length " + headerLength + ", file size " + size + "): " + file);
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            readFully(channel, header, 8);
            String json = new String(header.array(), StandardCharsets.UTF_8);
            Map<String, TensorInfo> tensors = parseHeader(json, size - 8 - headerLength, file);
            return new SafeTensors(file, channel, 8 + headerLength, tensors);
        } catch (IOException e) {
            closeQuietly(channel, e);
            throw new ModelLoadException("cannot read model file " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(channel, e);
            throw e;
        }
    }

    private static Map<String, TensorInfo> parseHeader(String json, long dataBytes, Path file) throws IOException {
        JsonNode root = new ObjectMapper().readTree(json);
        if (root == null || !root.isObject()) {
            throw new ModelLoadException("safetensors header is not a JSON object: " + file);
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : root.properties()) {
            String name = entry.getKey();
            if (name.equals("__metadata__")) {
                continue;
            }
            JsonNode node = entry.getValue();
            JsonNode shapeNode = node.get("shape");
            JsonNode offsets = node.get("data_offsets");
            if (!node.hasNonNull("dtype")
                    || shapeNode == null
                    || !shapeNode.isArray()
                    || offsets == null
                    || offsets.size() != 2) {
                throw new ModelLoadException("malformed safetensors entry for tensor " + name + " in " + file);
            }
            long[] shape = new long[shapeNode.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shapeNode.get(i).asLong();
            }
            TensorInfo info = new TensorInfo(
                    name,
                    node.get("dtype").asText(),
                    shape,
                    offsets.get(0).asLong(),
                    offsets.get(1).asLong());
            int width = elementBytes(info.dtype());
            if (info.begin() < 0
                    || info.end() < info.begin()
                    || info.end() > dataBytes
                    || (width > 0 && info.end() - info.begin() != info.elementCount() * width)) {
                throw new ModelLoadException(
                        "tensor " + name + " has inconsistent data_offsets [" + info.begin() + "," + info.end()
                                + "] for dtype " + info.dtype() + " and shape " + info.shapeString() + " in " + file);
            }
            tensors.put(name, info);
        }
        return Collections.unmodifiableMap(tensors);
    }

    /** Bytes per element of a safetensors dtype, or 0 for one this reader does not convert. */
    private static int elementBytes(String dtype) {
        return switch (dtype) {
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "F64", "I64", "U64" -> 8;
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
            default -> 0;
        };
    }

    @Override
    public Path file() {
        return file;
    }

    @Override
    public Map<String, Entry> entries() {
        Map<String, Entry> entries = new LinkedHashMap<>();
        tensors.forEach((name, info) -> entries.put(name, new Entry(info.dtype(), info.shape())));
        return entries;
    }

    /** All tensors by name, in header order. */
    Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** Reads tensor {@code name} (F32, F16 or BF16) as float32 values in row-major order. */
    @Override
    public float[] readFloats(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new ModelLoadException("tensor " + name + " is missing from " + file);
        }
        int width;
        switch (info.dtype()) {
            case "F32" -> width = 4;
            case "F16", "BF16" -> width = 2;
            default ->
                throw new ModelLoadException("tensor " + name + " has dtype " + info.dtype()
                        + "; only F32, F16 and BF16 are supported (" + file + ")");
        }
        long count = info.elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new ModelLoadException("tensor " + name + " is too large (" + count + " elements) in " + file);
        }
        float[] out = new float[(int) count];
        ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        long position = dataStart + info.begin();
        int written = 0;
        try {
            while (written < out.length) {
                int elements = Math.min(CHUNK_BYTES / width, out.length - written);
                chunk.clear().limit(elements * width);
                readFully(channel, chunk, position);
                chunk.flip();
                position += (long) elements * width;
                switch (info.dtype()) {
                    case "F32" -> chunk.asFloatBuffer().get(out, written, elements);
                    case "F16" -> {
                        for (int i = 0; i < elements; i++) {
                            out[written + i] = Fp16.halfToFloat(chunk.getShort(2 * i));
                        }
                    }
                    default -> {
                        for (int i = 0; i < elements; i++) {
                            out[written + i] = Fp16.bfloat16ToFloat(chunk.getShort(2 * i));
                        }
                    }
                }
                written += elements;
            }
        } catch (IOException e) {
            throw new ModelLoadException("cannot read tensor " + name + " from " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, at);
            if (read < 0) {
                throw new IOException("unexpected end of file at byte " + at);
            }
            at += read;
        }
    }

    private static void closeQuietly(FileChannel channel, Exception primary) {
        try {
            channel.close();
        } catch (IOException suppressed) {
            primary.addSuppressed(suppressed);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new ModelLoadException("cannot close " + file + ": " + e.getMessage(), e);
        }
    }
}
