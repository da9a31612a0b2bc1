package io.tagclip.serde;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Avro's binary encoding written by hand, byte by byte, for records no serializer would produce: lengths and counts
 * that lie, negative sizes, bodies cut short, strings that are not UTF-8. Framed in Confluent's wire format by
 * {@link #framed}.
 */
public final class AvroBytes {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A zig-zag varint, as Avro writes every int, long, length, count and union index. */
    public AvroBytes varint(long value) {
        long n = (value << 1) ^ (value >> 63);
        while ((n & ~0x7FL) != 0) {
            out.write((int) ((n & 0x7F) | 0x80));
            n >>>= 7;
        }
        out.write((int) n);
        return this;
    }

    /** A string or bytes: its length, then its bytes. */
    public AvroBytes bytes(byte[] value) {
        varint(value.length);
        out.writeBytes(value);
        return this;
    }

    public AvroBytes string(String value) {
        return bytes(value.getBytes(StandardCharsets.UTF_8));
    }

    /** Bytes as they are, with no length: a lying length's missing body, or a cut. */
    public AvroBytes raw(byte... value) {
        out.writeBytes(value);
        return this;
    }

    public byte[] toByteArray() {
        return out.toByteArray();
    }

    /** Magic byte 0, the schema id big-endian, then the body. */
    public byte[] framed(int schemaId) {
        byte[] body = toByteArray();
        return ByteBuffer.allocate(WireFormat.HEADER_SIZE + body.length)
                .put(WireFormat.MAGIC_BYTE)
                .putInt(schemaId)
                .put(body)
                .array();
    }

    /** An {@code ImageRef} body up to its labels: id, uri, contentType null, vocabularyId null. */
    public static AvroBytes imageRefHead(String id, String uri) {
        return new AvroBytes().string(id).string(uri).varint(0).varint(0);
    }

    /** A complete, valid {@code ImageRef} body: no labels, produced at 0, no headers, no extra labels. */
    public static AvroBytes imageRef(String id, String uri) {
        return imageRefHead(id, uri).varint(0).varint(0).varint(0).varint(0);
    }
}
