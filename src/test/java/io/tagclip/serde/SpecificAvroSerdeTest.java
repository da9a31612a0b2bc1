package io.tagclip.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SpecificAvroSerdeTest {

    private static final String TOPIC = "image-refs";

    private final String scope = "serde-test-" + UUID.randomUUID();
    private final MockSchemaRegistry registry = MockSchemaRegistry.forScope(scope);

    @AfterEach
    void dropRegistry() {
        MockSchemaRegistry.dropScope(scope);
    }

    @Test
    void shouldRoundTripAllEventContractsThroughTheMockRegistry() {
        assertThat(roundTrip(ImageRef.class, SampleEvents.imageRef())).isEqualTo(SampleEvents.imageRef());
        assertThat(roundTrip(ImageTags.class, SampleEvents.imageTags())).isEqualTo(SampleEvents.imageTags());
        assertThat(roundTrip(ImageTagFailure.class, SampleEvents.imageTagFailure()))
                .isEqualTo(SampleEvents.imageTagFailure());
    }

    @Test
    void shouldFrameThePlainAvroEncodingWithMagicByteAndRegisteredId() throws IOException {
        byte[] payload = serde(ImageRef.class, Map.of(), false).serializer().serialize(TOPIC, SampleEvents.imageRef());

        int registeredId = registry.idOf("image-refs-value", ImageRef.getClassSchema());
        assertThat(payload[0]).isEqualTo(WireFormat.MAGIC_BYTE);
        assertThat(ByteBuffer.wrap(payload, 1, 4).getInt()).isEqualTo(registeredId);
        var reader = new SpecificDatumReader<>(ImageRef.class);
        var decoder = DecoderFactory.get().binaryDecoder(payload, 5, payload.length - 5, null);
        assertThat(reader.read(null, decoder)).isEqualTo(SampleEvents.imageRef());
        assertThat(decoder.isEnd()).isTrue();
    }

    @Test
    void shouldRegisterKeysAndValuesUnderTopicNameStrategySubjects() {
        serde(ImageRef.class, Map.of(), true).serializer().serialize("refs", SampleEvents.imageRef());
        serde(ImageTags.class, Map.of(), false).serializer().serialize("tags", SampleEvents.imageTags());

        assertThat(registry.latest("refs-key").schema()).isEqualTo(ImageRef.getClassSchema());
        assertThat(registry.latest("tags-value").schema()).isEqualTo(ImageTags.getClassSchema());
    }

    @Test
    void shouldKeepNullAsTombstone() {
        var serde = serde(ImageRef.class, Map.of(), false);

        assertThat(serde.serializer().serialize(TOPIC, null)).isNull();
        assertThat(serde.deserializer().deserialize(TOPIC, null)).isNull();
    }

    @Test
    void shouldNameTheWrongMagicByteAndTopic() {
        byte[] payload = serde(ImageRef.class, Map.of(), false).serializer().serialize(TOPIC, SampleEvents.imageRef());
        payload[0] = 0x7b;

        assertThatThrownBy(() ->
                        serde(ImageRef.class, Map.of(), false).deserializer().deserialize(TOPIC, payload))
                .isInstanceOf(SerdeException.class)
                .hasMessageContaining("0x7b")
                .hasMessageContaining("magic byte")
                .hasMessageContaining("'image-refs'");
    }

    @Test
    void shouldRejectPayloadShorterThanTheHeader() {
        assertThatThrownBy(() ->
                        serde(ImageRef.class, Map.of(), false).deserializer().deserialize(TOPIC, new byte[] {0, 0, 1}))
                .isInstanceOf(SerdeException.class)
                .hasMessageContaining("3 bytes")
                .hasMessageContaining("'image-refs'");
    }

    @Test
    void shouldNameTheUnknownSchemaId() {
        byte[] payload = ByteBuffer.allocate(8)
                .put((byte) 0)
                .putInt(4711)
                .put(new byte[] {2, 'a', 2})
                .array();

        assertThatThrownBy(() ->
                        serde(ImageRef.class, Map.of(), false).deserializer().deserialize(TOPIC, payload))
                .isInstanceOfSatisfying(
                        SerdeException.class, e -> assertThat(e.errorCode()).hasValue(40403))
                .hasMessageContaining("4711")
                .hasMessageContaining("'image-refs'");
    }

    @Test
    void shouldReadRecordsWrittenWithAnOlderSchema() throws IOException {
        // The first ImageRef: no content type, vocabulary, labels or headers yet.
        Schema v1 = SchemaBuilder.record("ImageRef")
                .namespace("io.tagclip.avro")
                .fields()
                .requiredString("id")
                .requiredString("uri")
                .name("producedAt")
                .type(timestampMillis())
                .noDefault()
                .endRecord();
        GenericRecord old = new GenericData.Record(v1);
        old.put("id", "img-1");
        old.put("uri", "file:///tmp/a.png");
        old.put("producedAt", SampleEvents.AT.toEpochMilli());
        byte[] payload = frame(registry.register("image-refs-value", v1), v1, old);

        ImageRef read = serde(ImageRef.class, Map.of(), false).deserializer().deserialize(TOPIC, payload);

        assertThat(read.getId()).isEqualTo("img-1");
        assertThat(read.getUri()).isEqualTo("file:///tmp/a.png");
        assertThat(read.getProducedAt()).isEqualTo(SampleEvents.AT);
        assertThat(read.getLabels()).isNull();
        assertThat(read.getHeaders()).isEmpty();
    }

    @Test
    void shouldReadRecordsWrittenWithANewerSchema() throws IOException {
        Schema v3 = SchemaBuilder.record("ImageRef")
                .namespace("io.tagclip.avro")
                .fields()
                .requiredString("id")
                .requiredString("uri")
                .name("producedAt")
                .type(timestampMillis())
                .noDefault()
                .name("priority")
                .type()
                .intType()
                .intDefault(0)
                .endRecord();
        GenericRecord newer = new GenericData.Record(v3);
        newer.put("id", "img-3");
        newer.put("uri", "https://x/y.webp");
        newer.put("producedAt", SampleEvents.AT.toEpochMilli());
        newer.put("priority", 9);
        byte[] payload = frame(registry.register("image-refs-value", v3), v3, newer);

        ImageRef read = serde(ImageRef.class, Map.of(), false).deserializer().deserialize(TOPIC, payload);

        assertThat(read.getId()).isEqualTo("img-3");
        assertThat(read.getContentType()).isNull();
    }

    @Test
    void shouldRefuseToReadAnotherRecordTypeNamingBoth() {
        byte[] payload =
                serde(ImageTags.class, Map.of(), false).serializer().serialize(TOPIC, SampleEvents.imageTags());

        assertThatThrownBy(() ->
                        serde(ImageRef.class, Map.of(), false).deserializer().deserialize(TOPIC, payload))
                .isInstanceOf(SerdeException.class)
                .hasMessageContaining("io.tagclip.avro.ImageTags")
                .hasMessageContaining("io.tagclip.avro.ImageRef");
    }

    @Test
    void shouldNameSubjectWhenAutoRegisterIsOffAndTheSchemaIsUnknown() {
        var serde = serde(ImageRef.class, Map.of(SerdeConfig.AUTO_REGISTER_SCHEMAS, "false"), false);

        assertThatThrownBy(() -> serde.serializer().serialize(TOPIC, SampleEvents.imageRef()))
                .isInstanceOfSatisfying(
                        SerdeException.class, e -> assertThat(e.errorCode()).hasValue(40401))
                .hasMessageContaining("'image-refs-value'")
                .hasMessageContaining("'image-refs'");
    }

    @Test
    void shouldUseTheIdOfAnAlreadyRegisteredSchemaWhenAutoRegisterIsOff() {
        int id = registry.register("image-refs-value", ImageRef.getClassSchema());
        var serde = serde(ImageRef.class, Map.of(SerdeConfig.AUTO_REGISTER_SCHEMAS, false), false);

        byte[] payload = serde.serializer().serialize(TOPIC, SampleEvents.imageRef());

        assertThat(ByteBuffer.wrap(payload, 1, 4).getInt()).isEqualTo(id);
    }

    @Test
    void shouldFrameWithTheLatestVersionWhenAsked() {
        registry.register("other-value", ImageTags.getClassSchema());
        int latest = registry.register("image-refs-value", ImageRef.getClassSchema());
        var serde = serde(
                ImageRef.class,
                Map.of(SerdeConfig.USE_LATEST_VERSION, "true", SerdeConfig.AUTO_REGISTER_SCHEMAS, "false"),
                false);

        byte[] payload = serde.serializer().serialize(TOPIC, SampleEvents.imageRef());

        assertThat(ByteBuffer.wrap(payload, 1, 4).getInt()).isEqualTo(latest).isEqualTo(2);
    }

    @Test
    void shouldRefuseLatestVersionThatIsNotTheRecordsSchema() {
        registry.register("image-refs-value", ImageTags.getClassSchema());
        var serde = serde(
                ImageRef.class,
                Map.of(SerdeConfig.USE_LATEST_VERSION, "true", SerdeConfig.AUTO_REGISTER_SCHEMAS, "false"),
                false);

        assertThatThrownBy(() -> serde.serializer().serialize(TOPIC, SampleEvents.imageRef()))
                .isInstanceOf(SerdeException.class)
                .hasMessageContaining("Latest version 1")
                .hasMessageContaining("'image-refs-value'");
    }

    @Test
    void shouldRegisterAndIgnoreUseLatestVersionWhileAutoRegisterIsOn() {
        int other = registry.register("image-refs-value", ImageTags.getClassSchema());
        var serde = serde(ImageRef.class, Map.of(SerdeConfig.USE_LATEST_VERSION, "true"), false);

        byte[] payload = serde.serializer().serialize(TOPIC, SampleEvents.imageRef());

        assertThat(ByteBuffer.wrap(payload, 1, 4).getInt())
                .isNotEqualTo(other)
                .isEqualTo(registry.idOf("image-refs-value", ImageRef.getClassSchema()));
    }

    @Test
    void shouldFindTheGeneratedClassByWriterSchemaNameWhenConfiguredByClassName() {
        byte[] payload =
                serde(ImageTags.class, Map.of(), false).serializer().serialize(TOPIC, SampleEvents.imageTags());
        var byName = new SpecificAvroDeserializer<ImageTags>();
        byName.configure(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + scope), false);
        var byConfig = new SpecificAvroDeserializer<ImageTags>();
        byConfig.configure(
                Map.of(
                        SerdeConfig.SCHEMA_REGISTRY_URL,
                        "mock://" + scope,
                        SerdeConfig.SPECIFIC_AVRO_VALUE_TYPE,
                        ImageTags.class.getName()),
                false);

        assertThat(byName.deserialize(TOPIC, payload)).isEqualTo(SampleEvents.imageTags());
        assertThat(byConfig.deserialize(TOPIC, payload)).isEqualTo(SampleEvents.imageTags());
    }

    @Test
    void shouldNameTheTopicAndSchemaWhenARecordCannotBeWritten() {
        ImageRef broken = SampleEvents.imageRef();
        broken.setLabels(Arrays.asList("cat", null));

        assertThatThrownBy(() ->
                        serde(ImageRef.class, Map.of(), false).serializer().serialize(TOPIC, broken))
                .isInstanceOf(SerdeException.class)
                .hasMessageContaining("io.tagclip.avro.ImageRef")
                .hasMessageContaining("'image-refs'");
    }

    @Test
    void shouldRequireTheRegistryUrl() {
        assertThatThrownBy(() -> new SpecificAvroSerde<>(ImageRef.class).configure(Map.of(), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(SerdeConfig.SCHEMA_REGISTRY_URL);
    }

    private <T extends SpecificRecord> T roundTrip(Class<T> type, T event) {
        var serde = serde(type, Map.of(), false);
        return serde.deserializer().deserialize(TOPIC, serde.serializer().serialize(TOPIC, event));
    }

    private <T extends SpecificRecord> SpecificAvroSerde<T> serde(Class<T> type, Map<String, ?> extra, boolean isKey) {
        Map<String, Object> configs = new HashMap<>(extra);
        configs.put(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + scope);
        var serde = new SpecificAvroSerde<>(type);
        serde.configure(configs, isKey);
        return serde;
    }

    private static Schema timestampMillis() {
        return LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG));
    }

    private static byte[] frame(int id, Schema schema, GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(WireFormat.header(id));
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
