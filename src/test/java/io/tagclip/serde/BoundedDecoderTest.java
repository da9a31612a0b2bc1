package io.tagclip.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tagclip.avro.ImageRef;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Records written byte by byte whose declared sizes lie: each is refused before Avro allocates what it claims, with
 * a message that says what was wrong; valid records still decode.
 */
class BoundedDecoderTest {

    private static final String TOPIC = "image-refs";
    /** A length or count that would allocate gigabytes if believed. */
    private static final long HUGE = 500_000_000L;

    private final String scope = "bounded-decoder-test-" + UUID.randomUUID();
    private final MockSchemaRegistry registry = MockSchemaRegistry.forScope(scope);
    private SpecificAvroDeserializer<ImageRef> deserializer;
    private int schemaId;

    @BeforeEach
    void configure() {
        schemaId = registry.register(TOPIC + "-value", ImageRef.getClassSchema());
        deserializer = new SpecificAvroDeserializer<>(ImageRef.class, registry);
        deserializer.configure(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + scope), false);
    }

    @AfterEach
    void dropRegistry() {
        MockSchemaRegistry.dropScope(scope);
    }

    private ImageRef decode(AvroBytes body) {
        return deserializer.deserialize(TOPIC, body.framed(schemaId));
    }

    private void assertRefused(Supplier<AvroBytes> body, String message) {
        assertThatThrownBy(() -> decode(body.get()))
                .isInstanceOf(SerdeException.class)
                .hasMessageContaining(message);
    }

    @Test
    void shouldDecodeAValidRecordWrittenByHand() {
        ImageRef ref = decode(AvroBytes.imageRef("cat-1", "https://example.com/cat.jpg"));

        assertThat(ref.getId()).isEqualTo("cat-1");
        assertThat(ref.getUri()).isEqualTo("https://example.com/cat.jpg");
        assertThat(ref.getLabels()).isNull();
        assertThat(ref.getHeaders()).isEmpty();
    }

    @Test
    void shouldRefuseAStringClaimingMoreBytesThanTheRecordHolds() {
        assertRefused(() -> new AvroBytes().varint(HUGE), "string length of 500000000 in a record of 5 bytes");
    }

    @Test
    void shouldRefuseAnArrayClaimingMoreItemsThanTheRecordHolds() {
        assertRefused(
                () -> AvroBytes.imageRefHead("a", "u").varint(1).varint(HUGE),
                "array block of 500000000 in a record of");
    }

    @Test
    void shouldRefuseAMapClaimingMoreEntriesThanTheRecordHolds() {
        assertRefused(
                () -> AvroBytes.imageRefHead("a", "u").varint(0).varint(0).varint(HUGE),
                "map block of 500000000 in a record of");
    }

    @Test
    void shouldRefuseANegativeBlockCountClaimingTooManyEntries() {
        // a negative count means that many items followed by the block's size in bytes
        assertRefused(
                () -> AvroBytes.imageRefHead("a", "u")
                        .varint(0)
                        .varint(0)
                        .varint(-HUGE)
                        .varint(10),
                "map block of 500000000 in a record of");
    }

    @Test
    void shouldRefuseANegativeLength() {
        assertRefused(() -> new AvroBytes().varint(-5), "negative string length -5");
    }

    @Test
    void shouldRefuseABodyCutShort() {
        byte[] whole =
                AvroBytes.imageRef("cat-1", "https://example.com/cat.jpg").toByteArray();
        byte[] cut = Arrays.copyOf(whole, whole.length - 4);
        assertThatThrownBy(() -> decode(new AvroBytes().raw(cut))).isInstanceOf(SerdeException.class);
    }

    @Test
    void shouldRefuseAnIdThatIsNotUtf8NamingTheByte() {
        assertRefused(
                () -> new AvroBytes()
                        .bytes(new byte[] {'a', 'b', (byte) 0xff, (byte) 0xfe})
                        .string("u"),
                "a string of 4 bytes is not valid UTF-8 at byte 2");
        assertRefused(
                () -> new AvroBytes()
                        .bytes(new byte[] {'i', 'd', (byte) 0xc0, (byte) 0xaf})
                        .string("u"),
                "not valid UTF-8 at byte 2");
    }
}
