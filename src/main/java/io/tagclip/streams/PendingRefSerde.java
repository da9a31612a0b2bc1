package io.tagclip.streams;

import io.tagclip.avro.ImageRef;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Store format of {@link PendingRef}: a format version byte, the source coordinates, for format 2 the record's
 * headers, then the {@link ImageRef} in Avro single-object encoding (schema fingerprint + binary), which needs no
 * registry. Internal to the buffer store and its changelog topic.
 *
 * <p>Format 1 (before headers were kept) is still read, as a reference without headers: entries written by an
 * earlier version stay in the store and its changelog until their batch is flushed. A reference without headers is
 * still written in format 1, so that an earlier version rolled back to reads every entry but those with headers.
 */
public final class PendingRefSerde implements Serde<PendingRef> {

    /** Source coordinates, then the ImageRef. */
    static final byte FORMAT_WITHOUT_HEADERS = 1;

    /** Source coordinates, the record's headers (count; each key and value as length and bytes, -1 for null), then the ImageRef. */
    static final byte FORMAT_WITH_HEADERS = 2;

    @Override
    public Serializer<PendingRef> serializer() {
        return (topic, pending) -> pending == null ? null : write(pending);
    }

    @Override
    public Deserializer<PendingRef> deserializer() {
        return (topic, bytes) -> bytes == null ? null : read(bytes);
    }

    private static byte[] write(PendingRef pending) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            boolean withHeaders = !pending.headers().isEmpty();
            out.writeByte(withHeaders ? FORMAT_WITH_HEADERS : FORMAT_WITHOUT_HEADERS);
            out.writeUTF(pending.topic());
            out.writeInt(pending.partition());
            out.writeLong(pending.offset());
            out.writeLong(pending.timestamp());
            if (withHeaders) {
                out.writeInt(pending.headers().size());
                for (Header h : pending.headers()) {
                    writeBytes(out, h.key().getBytes(StandardCharsets.UTF_8));
                    writeBytes(out, h.value());
                }
            }
            ByteBuffer ref = ImageRef.getEncoder().encode(pending.ref());
            out.write(ref.array(), ref.arrayOffset() + ref.position(), ref.remaining());
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot encode buffered reference " + pending.ref().getId(), e);
        }
        return bytes.toByteArray();
    }

    private static void writeBytes(DataOutputStream out, byte[] value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(value.length);
            out.write(value);
        }
    }

    private static PendingRef read(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte version = in.readByte();
            if (version != FORMAT_WITHOUT_HEADERS && version != FORMAT_WITH_HEADERS) {
                throw new SerializationException("unknown buffered reference format " + version);
            }
            String topic = in.readUTF();
            int partition = in.readInt();
            long offset = in.readLong();
            long timestamp = in.readLong();
            List<Header> headers = version == FORMAT_WITH_HEADERS ? readHeaders(in, bytes.length) : List.of();
            ImageRef ref = ImageRef.getDecoder().decode(in);
            return new PendingRef(topic, partition, offset, timestamp, ref, headers);
        } catch (IOException e) {
            throw new SerializationException("cannot decode buffered reference of " + bytes.length + " bytes", e);
        }
    }

    private static List<Header> readHeaders(DataInputStream in, int total) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > total) {
            throw new SerializationException("buffered reference of " + total + " bytes claims " + count + " headers");
        }
        List<Header> headers = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] key = readBytes(in, total);
            if (key == null) {
                throw new SerializationException("buffered reference has a header without a key");
            }
            headers.add(new RecordHeader(new String(key, StandardCharsets.UTF_8), readBytes(in, total)));
        }
        return headers;
    }

    private static byte[] readBytes(DataInputStream in, int total) throws IOException {
        int length = in.readInt();
        if (length == -1) {
            return null;
        }
        if (length < 0 || length > total) {
            throw new SerializationException("buffered reference of " + total + " bytes claims a header of " + length);
        }
        byte[] value = new byte[length];
        in.readFully(value);
        return value;
    }
}
