package io.tagclip.serde;

import java.nio.ByteBuffer;

/**
 * Confluent's framing of a serialized record: {@value #MAGIC_BYTE}, the schema id as a 4-byte big-endian int, then
 * the Avro binary encoding of the record with that (writer) schema.
 */
public final class WireFormat {

    /** First byte of every framed payload; the only version of the format Confluent has defined. */
    public static final byte MAGIC_BYTE = 0;

    /** Bytes before the Avro body: the magic byte and the schema id. */
    public static final int HEADER_SIZE = 5;

    private WireFormat() {}

    /** The 5-byte header for a payload written with the schema of the given registry id. */
    static byte[] header(int schemaId) {
        return ByteBuffer.allocate(HEADER_SIZE).put(MAGIC_BYTE).putInt(schemaId).array();
    }

    /**
     * The schema id in a framed payload.
     *
     * @throws SerdeException when the payload is shorter than the header or does not start with the magic byte
     */
    static int schemaId(byte[] payload, String topic) {
        if (payload.length < HEADER_SIZE) {
            throw new SerdeException(String.format(
                    "Record of topic '%s' is %d bytes, shorter than the %d-byte wire-format header"
                            + " (magic byte + schema id): not written by a Confluent-format Avro serializer",
                    topic, payload.length, HEADER_SIZE));
        }
        if (payload[0] != MAGIC_BYTE) {
            throw new SerdeException(String.format(
                    "Record of topic '%s' starts with byte 0x%02x, expected the magic byte 0x%02x of Confluent's"
                            + " wire format: not written by a Confluent-format Avro serializer",
                    topic, payload[0] & 0xff, MAGIC_BYTE));
        }
        return ByteBuffer.wrap(payload, 1, 4).getInt();
    }
}
