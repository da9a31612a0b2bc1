package io.tagclip.cdul;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a trained head belongs to and came from, written beside its weights as {@value #FILE}.
 *
 * @param format            layout of the weights file ({@value #FORMAT})
 * @param version           content hash of the weights and of everything here but the metrics; goes into the
 *                          parameters version of every result the head answers
 * @param modelId           CLIP model whose global embedding the head reads
 * @param modelRevision     its revision (weights hash or hub commit)
 * @param imageSize         side of the square input the embedding was computed at
 * @param featureDim        E, the embedding width
 * @param vocabularyId      vocabulary the head's classes are
 * @param vocabularyVersion that vocabulary's version
 * @param labels            the C class names, in output order
 * @param teacher           method whose scores were the initial pseudo labels
 * @param trainingSamples   images the head was fitted on
 * @param heldOutSamples    images held out for early stopping
 * @param seed              seed of the split, initialisation and shuffling
 * @param options           the training options, by name
 * @param metrics           training outcome (epochs run, held-out loss, label change), by name
 */
public record HeadManifest(
        String format,
        String version,
        String modelId,
        String modelRevision,
        int imageSize,
        int featureDim,
        String vocabularyId,
        String vocabularyVersion,
        List<String> labels,
        String teacher,
        int trainingSamples,
        int heldOutSamples,
        long seed,
        Map<String, Object> options,
        Map<String, Double> metrics) {

    /** File name of the manifest inside a head folder. */
    public static final String FILE = "manifest.json";

    /** The only weights layout so far: {@code weight [C,E]} and {@code bias [C]}, float32. */
    public static final String FORMAT = "cdul-linear-head/1";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public HeadManifest {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(modelRevision, "modelRevision");
        Objects.requireNonNull(vocabularyId, "vocabularyId");
        Objects.requireNonNull(vocabularyVersion, "vocabularyVersion");
        labels = List.copyOf(labels);
        Objects.requireNonNull(teacher, "teacher");
        options = Map.copyOf(options);
        metrics = Map.copyOf(metrics);
        if (!FORMAT.equals(format)) {
            throw new IllegalArgumentException("unknown head format '" + format + "' (known: " + FORMAT + ")");
        }
    }

    /** The manifest as the JSON of its file. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the head manifest", e);
        }
    }

    /** The manifest {@code json} holds; a malformed one is refused naming the problem. */
    public static HeadManifest fromJson(String json) {
        try {
            return JSON.readValue(json, HeadManifest.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed head manifest: " + e.getMessage(), e);
        }
    }

    /** Writes the manifest into {@code dir}. */
    public void write(Path dir) {
        try {
            Files.writeString(dir.resolve(FILE), toJson() + System.lineSeparator());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(FILE), e);
        }
    }

    /** Reads the manifest of the head folder {@code dir}; a missing or malformed file names itself. */
    public static HeadManifest read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("not a head folder (no " + FILE + "): " + dir);
        }
        try {
            return JSON.readValue(file.toFile(), HeadManifest.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed head manifest " + file + ": " + e.getMessage(), e);
        }
    }
}
