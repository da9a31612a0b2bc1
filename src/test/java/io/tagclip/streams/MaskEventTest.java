package io.tagclip.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.tagclip.avro.ImageTags;
import io.tagclip.pipeline.Mask;
import io.tagclip.pipeline.Tag;
import io.tagclip.pipeline.TagResult;
import io.tagclip.segment.CocoRle;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/**
 * Tags with masks on the wire: the {@code ImageTags} schema evolves BACKWARD- (and FORWARD-) compatibly from the
 * version without masks, and an event with masks decodes with plain generic Avro readers (the schema parsed from the
 * {@code avro/} files, no generated class) to RLE that decodes to the original pixels.
 */
class MaskEventTest {

    @Test
    void shouldEvolveImageTagsCompatiblyWithTheVersionWithoutMasks() throws IOException {
        Schema v1 = new Schema.Parser().parse(resource("/schemas/ImageTags.v1.avsc"));
        Schema current = ImageTags.getClassSchema();

        SchemaEvolution.assertCompatibleBothWays(v1, current);
    }

    @Test
    void shouldDecodeAMaskedEventWithAnIndependentReader() throws IOException {
        int h = 5;
        int w = 7;
        boolean[] pixels = new boolean[h * w];
        for (int y = 1; y < 4; y++) {
            for (int x = 2; x < 6; x++) {
                pixels[y * w + x] = true;
            }
        }
        Mask mask = new Mask(h, w, CocoRle.encode(pixels, h, w), 12.0 / 35);
        TagResult.Tagged tagged = new TagResult.Tagged(
                "img-1",
                List.of(new Tag("cat", 0.9f, null, mask), new Tag("dog", 0.4f, null)),
                Map.of("cat", 0.9f, "dog", 0.4f),
                FakePipeline.PROVENANCE,
                7);
        PendingRef pending = new PendingRef("image-refs", 0, 3, 1000, TaggerTopologyTest.ref("img-1", "img://7x5"));
        ImageTags event = EventMapper.tags(pending, new Outcome.Tagged(tagged, 2), 1000, 2000);
        byte[] bytes = write(event);

        Schema.Parser parser = new Schema.Parser();
        for (String file : List.of("FailureReason", "BoundingBox", "SegmentMask", "Tag", "Timings", "ImageSource")) {
            parser.parse(Files.readString(Path.of("avro", file + ".avsc")));
        }
        Schema writer = parser.parse(Files.readString(Path.of("avro", "ImageTags.avsc")));
        GenericRecord read = new GenericDatumReader<GenericRecord>(writer)
                .read(null, DecoderFactory.get().binaryDecoder(bytes, null));

        @SuppressWarnings("unchecked")
        List<GenericRecord> tags = (List<GenericRecord>) read.get("tags");
        GenericRecord cat = (GenericRecord) tags.get(0).get("mask");
        assertThat(((List<?>) cat.get("size")).stream().map(Object::toString)).containsExactly("5", "7");
        assertThat((float) cat.get("coverage")).isEqualTo(12f / 35);
        assertThat(CocoRle.decode(cat.get("counts").toString(), h, w)).containsExactly(pixels);
        assertThat(tags.get(1).get("mask")).isNull();

        Schema v1 = new Schema.Parser().parse(resource("/schemas/ImageTags.v1.avsc"));
        GenericRecord old = new GenericDatumReader<GenericRecord>(writer, v1)
                .read(null, DecoderFactory.get().binaryDecoder(bytes, null));
        assertThat(old.get("id").toString()).isEqualTo("img-1");
    }

    @Test
    void shouldReadAnEventWrittenWithoutMasksWithNullMasks() throws IOException {
        Schema v1 = new Schema.Parser().parse(resource("/schemas/ImageTags.v1.avsc"));
        TagResult.Tagged tagged = new TagResult.Tagged(
                "img-2", List.of(new Tag("cat", 0.9f, null)), Map.of("cat", 0.9f), FakePipeline.PROVENANCE, 7);
        PendingRef pending = new PendingRef("image-refs", 0, 4, 1000, TaggerTopologyTest.ref("img-2", "img://7x5"));
        ImageTags event = EventMapper.tags(pending, new Outcome.Tagged(tagged, 2), 1000, 2000);
        // the same event as a v1 writer would have produced it
        GenericRecord asV1 = new GenericDatumReader<GenericRecord>(ImageTags.getClassSchema(), v1)
                .read(null, DecoderFactory.get().binaryDecoder(write(event), null));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(v1, GenericData.get()).write(asV1, encoder);
        encoder.flush();

        GenericRecord read = new GenericDatumReader<GenericRecord>(v1, ImageTags.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));

        @SuppressWarnings("unchecked")
        List<GenericRecord> tags = (List<GenericRecord>) read.get("tags");
        assertThat(tags.get(0).get("label").toString()).isEqualTo("cat");
        assertThat(tags.get(0).get("mask")).isNull();
    }

    private static byte[] write(ImageTags event) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(ImageTags.class).write(event, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = MaskEventTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
