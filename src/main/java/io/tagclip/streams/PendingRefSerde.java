package io.tagclip.streams;

import io.tagclip.avro.ImageRef;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Store format of {@link PendingRef}: a format version byte, the source coordinates, then the {@link ImageRef} in
 * Avro single-object encoding (schema fingerprint + binary), which needs no registry. Internal to the buffer store
 * and its changelog topic.
 */
public final class PendingRefSerde implements Serde<PendingRef> {

    private static final byte FORMAT_VERSION = 1;

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
            out.writeByte(FORMAT_VERSION);
            out.writeUTF(pending.topic());
            out.writeInt(pending.partition());
            out.writeLong(pending.offset());
            out.writeLong(pending.timestamp());
            ByteBuffer ref = ImageRef.getEncoder().encode(pending.ref());
            out.write(ref.array(), ref.arrayOffset() + ref.position(), ref.remaining());
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot encode buffered reference " + pending.ref().getId(), e);
        }
        return bytes.toByteArray();
    }

    private static PendingRef read(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte version = in.readByte();
            if (version != FORMAT_VERSION) {
                throw new SerializationException("unknown buffered reference format " + version);
            }
            String topic = in.readUTF();
            int partition = in.readInt();
            long offset = in.readLong();
            long timestamp = in.readLong();
            ImageRef ref = ImageRef.getDecoder().decode(in);
            return new PendingRef(topic, partition, offset, timestamp, ref);
        } catch (IOException e) {
            throw new SerializationException("cannot decode buffered reference of " + bytes.length + " bytes", e);
        }
    }
}
