package io.tagclip.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tagclip.avro.ImageRef;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;

/**
 * The buffer store's format: references keep their record's headers, and entries an earlier version wrote (format 1,
 * without headers) are still read after an upgrade, from the store or its changelog.
 */
class PendingRefSerdeTest {

    private final PendingRefSerde serde = new PendingRefSerde();
    private final ImageRef ref = TaggerTopologyTest.ref("img-1", "https://example.com/1.jpg", "coco2014");

    @Test
    void shouldKeepHeadersInOrderWithRepeatedKeysNullAndBinaryValues() {
        List<Header> headers = List.of(
                new RecordHeader("traceparent", "00-abc-def-01".getBytes(StandardCharsets.UTF_8)),
                new RecordHeader("tenant", new byte[] {(byte) 0xff, 0, 1}),
                new RecordHeader("tenant", new byte[0]),
                new RecordHeader("empty", null),
                new RecordHeader("clé", new byte[] {2}));
        PendingRef pending = new PendingRef("image-refs", 3, 42, 1_700_000_000_000L, ref, headers);

        byte[] bytes = serde.serializer().serialize("changelog", pending);
        PendingRef read = serde.deserializer().deserialize("changelog", bytes);

        assertThat(bytes[0]).isEqualTo(PendingRefSerde.FORMAT_WITH_HEADERS);
        assertThat(read).isEqualTo(pending);
        assertThat(read.headers()).containsExactlyElementsOf(headers);
    }

    @Test
    void shouldReadAnEntryInTheFormatBeforeHeaders() throws IOException {
        // byte for byte what the version before headers wrote: version 1, source, timestamp, single-object ImageRef
        ByteArrayOutputStream old = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(old)) {
            out.writeByte(1);
            out.writeUTF("image-refs");
            out.writeInt(2);
            out.writeLong(17);
            out.writeLong(1_700_000_000_123L);
            ByteBuffer encoded = ImageRef.getEncoder().encode(ref);
            out.write(encoded.array(), encoded.arrayOffset() + encoded.position(), encoded.remaining());
        }

        PendingRef read = serde.deserializer().deserialize("changelog", old.toByteArray());

        assertThat(read).isEqualTo(new PendingRef("image-refs", 2, 17, 1_700_000_000_123L, ref));
        assertThat(read.headers()).isEmpty();
    }

    @Test
    void shouldWriteAReferenceWithoutHeadersInTheOldFormat() {
        PendingRef pending = new PendingRef("image-refs", 0, 5, 9, ref);

        byte[] bytes = serde.serializer().serialize("changelog", pending);

        assertThat(bytes[0])
                .as("an earlier version rolled back to still reads it")
                .isEqualTo(PendingRefSerde.FORMAT_WITHOUT_HEADERS);
        assertThat(serde.deserializer().deserialize("changelog", bytes)).isEqualTo(pending);
    }

    @Test
    void shouldRefuseAnUnknownFormatAndAHeaderCountPastTheBytes() {
        byte[] bytes = serde.serializer()
                .serialize("changelog", new PendingRef("t", 0, 1, 2, ref, List.of(new RecordHeader("k", new byte[] {1
                }))));

        byte[] future = bytes.clone();
        future[0] = 3;
        assertThatThrownBy(() -> serde.deserializer().deserialize("changelog", future))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("unknown buffered reference format 3");
        // the header count follows version (1), topic (2 + 1), partition (4), offset (8) and timestamp (8)
        byte[] lying = bytes.clone();
        ByteBuffer.wrap(lying).putInt(24, Integer.MAX_VALUE);
        assertThatThrownBy(() -> serde.deserializer().deserialize("changelog", lying))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("claims " + Integer.MAX_VALUE + " headers");
    }
}
