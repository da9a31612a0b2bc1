package io.tagclip.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.tagclip.avro.ImageTagFailure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/** {@code ImageTagFailure} gains {@code rawKey}: compatible both ways with the version before it. */
class DeadLetterSchemaTest {

    @Test
    void shouldEvolveCompatiblyWithTheVersionWithoutRawKey() throws IOException {
        Schema v1 = previous();
        Schema current = ImageTagFailure.getClassSchema();

        SchemaEvolution.assertCompatibleBothWays(v1, current);
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
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(ImageTagFailure.class).write(failure, encoder);
        encoder.flush();

        GenericRecord old = new GenericDatumReader<GenericRecord>(ImageTagFailure.getClassSchema(), previous())
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));

        assertThat(old.get("sourceOffset")).isEqualTo(9L);
        assertThat(old.get("message").toString()).isEqualTo("cannot parse");
        assertThat(failure.getRawKey()).isEqualTo(ByteBuffer.wrap(new byte[] {'k', (byte) 0xff}));
    }

    private static Schema previous() throws IOException {
        Schema.Parser parser = new Schema.Parser();
        parser.parse(
                ImageTagFailure.getClassSchema().getField("reason").schema().toString());
        try (InputStream in = DeadLetterSchemaTest.class.getResourceAsStream("/schemas/ImageTagFailure.v1.avsc")) {
            return parser.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
