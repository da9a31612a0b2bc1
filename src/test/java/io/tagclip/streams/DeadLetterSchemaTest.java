package io.tagclip.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.tagclip.avro.FailureReason;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;

/**
 * {@code ImageTagFailure} gained {@code rawKey} (v1 → v2), then {@code input} and {@code recordHeaders} (v2 → now):
 * each step compatible both ways with the version before it.
 */
class DeadLetterSchemaTest {

    @Test
    void shouldEvolveCompatiblyWithTheVersionWithoutRawKey() throws IOException {
        SchemaEvolution.assertCompatibleBothWays(previous("v1"), previous("v2"));
    }

    @Test
    void shouldEvolveCompatiblyWithTheVersionWithoutInputAndRecordHeaders() throws IOException {
        SchemaEvolution.assertCompatibleBothWays(previous("v2"), ImageTagFailure.getClassSchema());
    }

    @Test
    void shouldLetAnOldReaderDecodeADeadLetterWithARawKey() throws IOException {
        ImageTagFailure failure = EventMapper.invalidEvent(
                null,
                "image-refs",
                0,
                9,
                new byte[] {'k', (byte) 0xff},
                "not avro".getBytes(StandardCharsets.UTF_8),
                "cannot parse",
                0,
                EventLimits.defaults());

        GenericRecord old = readAs(previous("v1"), failure);

        assertThat(old.get("sourceOffset")).isEqualTo(9L);
        assertThat(old.get("message").toString()).isEqualTo("cannot parse");
        assertThat(failure.getRawKey()).isEqualTo(ByteBuffer.wrap(new byte[] {'k', (byte) 0xff}));
    }

    @Test
    void shouldLetAReaderBeforeInputDecodeADeadLetterThatKeepsItsInput() throws IOException {
        ImageRef input = ImageRef.newBuilder(TaggerTopologyTest.ref("cat-7", "https://example.com/cat.jpg", "pets"))
                .setLabels(List.of("cat", "dog"))
                .build();
        PendingRef pending = new PendingRef(
                "image-refs",
                1,
                12,
                1_000,
                input,
                List.of(new RecordHeader("traceparent", new byte[] {'0', '0'}), new RecordHeader("empty", null)));
        ImageTagFailure failure = EventMapper.failure(
                pending, new Outcome.Failed(FailureReason.UNKNOWN_VOCABULARY, "unknown vocabulary pets", 1), 5_000);

        GenericRecord old = readAs(previous("v2"), failure);

        assertThat(failure.getInput()).isEqualTo(input);
        assertThat(failure.getRecordHeaders()).hasSize(2);
        assertThat(old.getSchema().getField("input")).isNull();
        assertThat(old.get("id").toString()).isEqualTo("cat-7");
        assertThat(old.get("reason").toString()).isEqualTo("UNKNOWN_VOCABULARY");
        assertThat(old.get("sourceOffset")).isEqualTo(12L);
    }

    @Test
    void shouldReadADeadLetterOfTheVersionBeforeInputWithNeither() throws IOException {
        Schema v2 = previous("v2");
        GenericRecord letter = new GenericData.Record(v2);
        for (Schema.Field field : v2.getFields()) {
            if (field.hasDefaultValue()) {
                letter.put(field.name(), GenericData.get().getDefaultValue(field));
            }
        }
        letter.put("id", "cat-7");
        letter.put("reason", new GenericData.EnumSymbol(v2.getField("reason").schema(), "NOT_FOUND"));
        letter.put("message", "HTTP 404");
        letter.put("failedAt", 5_000L);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(v2).write(letter, encoder);
        encoder.flush();

        ImageTagFailure read = new SpecificDatumReader<ImageTagFailure>(v2, ImageTagFailure.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));

        assertThat(read.getId()).isEqualTo("cat-7");
        assertThat(read.getInput()).isNull();
        assertThat(read.getRecordHeaders()).isNull();
    }

    private static GenericRecord readAs(Schema reader, ImageTagFailure failure) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(ImageTagFailure.class).write(failure, encoder);
        encoder.flush();
        return new GenericDatumReader<GenericRecord>(ImageTagFailure.getClassSchema(), reader)
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
    }

    /** {@code ImageTagFailure.<version>.avsc}, as the registry holds it. */
    private static Schema previous(String version) throws IOException {
        Schema.Parser parser = new Schema.Parser();
        parser.parse(
                ImageTagFailure.getClassSchema().getField("reason").schema().toString());
        String resource = "/schemas/ImageTagFailure." + version + ".avsc";
        try (InputStream in = DeadLetterSchemaTest.class.getResourceAsStream(resource)) {
            return parser.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
