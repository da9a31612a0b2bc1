package io.tagclip.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.tagclip.avro.FailureReason;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.fetch.SourceMetadata;
import io.tagclip.pipeline.Tag;
import io.tagclip.pipeline.TagResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/**
 * {@code ImageTags} gains {@code source} (ETag, version, SHA-256 of the fetched bytes): compatible both ways with the
 * version before it ({@code ImageTags.v2.avsc}, with masks) and the one before that; dead letters of a reason newer
 * than the frozen enum say {@code UNKNOWN} and carry the reason's name.
 */
class SourceEventTest {

    private static final SourceMetadata SOURCE = new SourceMetadata("9b2cf535f27731c974343645a3985328", "v3", "ab12");

    @Test
    void shouldEvolveImageTagsCompatiblyWithTheVersionsWithoutSource() throws IOException {
        Schema current = ImageTags.getClassSchema();
        for (String previous : List.of("/schemas/ImageTags.v2.avsc", "/schemas/ImageTags.v1.avsc")) {
            Schema old = new Schema.Parser().parse(resource(previous));

            assertThat(SchemaCompatibility.checkReaderWriterCompatibility(current, old)
                            .getType())
                    .as("new readers read events of " + previous)
                    .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
            assertThat(SchemaCompatibility.checkReaderWriterCompatibility(old, current)
                            .getType())
                    .as("readers of " + previous + " read new events")
                    .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
        }
    }

    @Test
    void shouldWriteTheSourceAndLetAnOldReaderSkipIt() throws IOException {
        ImageTags event =
                EventMapper.tags(pending("img-1"), new Outcome.Tagged(tagged("img-1"), 2, SOURCE), 1000, 2000);

        assertThat(event.getSource().getEtag()).isEqualTo(SOURCE.etag());
        assertThat(event.getSource().getVersionId()).isEqualTo("v3");
        assertThat(event.getSource().getSha256()).isEqualTo("ab12");

        Schema v2 = new Schema.Parser().parse(resource("/schemas/ImageTags.v2.avsc"));
        GenericRecord old = new GenericDatumReader<GenericRecord>(ImageTags.getClassSchema(), v2)
                .read(null, DecoderFactory.get().binaryDecoder(write(event), null));
        assertThat(old.get("id").toString()).isEqualTo("img-1");
        assertThat(old.getSchema().getField("source")).isNull();
    }

    @Test
    void shouldReadAnEventOfTheVersionBeforeWithoutSource() throws IOException {
        Schema v2 = new Schema.Parser().parse(resource("/schemas/ImageTags.v2.avsc"));
        ImageTags withoutSource =
                EventMapper.tags(pending("img-2"), new Outcome.Tagged(tagged("img-2"), 2), 1000, 2000);
        assertThat(withoutSource.getSource()).isNull();
        // the bytes a v2 writer produces for it: the same fields without the trailing source
        GenericRecord asV2 = new GenericDatumReader<GenericRecord>(ImageTags.getClassSchema(), v2)
                .read(null, DecoderFactory.get().binaryDecoder(write(withoutSource), null));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(v2).write(asV2, encoder);
        encoder.flush();

        ImageTags read = new SpecificDatumReader<ImageTags>(v2, ImageTags.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));

        assertThat(read.getId()).isEqualTo("img-2");
        assertThat(read.getSource()).isNull();
    }

    @Test
    void shouldDeadLetterANewReasonAsUnknownWithItsName() {
        Outcome.Failed failed =
                Outcome.Failed.named("BUCKET_NOT_ALLOWED", "bucket x is not on tagger.fetch.s3.allowed-buckets", 1);

        ImageTagFailure letter = EventMapper.failure(pending("img-3"), failed, 5000);

        assertThat(letter.getReason()).isEqualTo(FailureReason.UNKNOWN);
        assertThat(letter.getReasonName()).isEqualTo("BUCKET_NOT_ALLOWED");
        assertThat(EventMapper.failure(pending("img-4"), Outcome.Failed.named("NOT_FOUND", "m", 1), 5000))
                .satisfies(f -> assertThat(f.getReason()).isEqualTo(FailureReason.NOT_FOUND))
                .satisfies(f -> assertThat(f.getReasonName()).isEqualTo("NOT_FOUND"));
    }

    private static PendingRef pending(String id) {
        return new PendingRef("image-refs", 0, 3, 1000, TaggerTopologyTest.ref(id, "s3://media/" + id + ".png"));
    }

    private static TagResult.Tagged tagged(String id) {
        return new TagResult.Tagged(
                id, List.of(new Tag("cat", 0.9f, null)), Map.of("cat", 0.9f), FakePipeline.PROVENANCE, 7);
    }

    private static byte[] write(ImageTags event) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(ImageTags.class).write(event, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = SourceEventTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
