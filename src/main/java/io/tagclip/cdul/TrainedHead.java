package io.tagclip.cdul;

import io.tagclip.vocab.ContentHash;
import io.tagclip.vocab.Vocabulary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * A head folder: {@value LinearHead#WEIGHTS_FILE} (safetensors) and {@value HeadManifest#FILE}.
 *
 * @param head     the weights
 * @param manifest what they belong to and came from
 */
public record TrainedHead(LinearHead head, HeadManifest manifest) {

    public TrainedHead {
        Objects.requireNonNull(head, "head");
        Objects.requireNonNull(manifest, "manifest");
        if (head.classes() != manifest.labels().size() || head.dim() != manifest.featureDim()) {
            throw new IllegalArgumentException("head weights are " + head.classes() + "x" + head.dim()
                    + " but the manifest says " + manifest.labels().size() + " classes of " + manifest.featureDim()
                    + " features");
        }
        String expected = version(head, manifest);
        if (!expected.equals(manifest.version())) {
            throw new IllegalArgumentException("head version " + manifest.version() + " does not match its weights and"
                    + " manifest (" + expected + "): the folder was changed after training");
        }
    }

    /**
     * The version a head gets: a content hash of its weights and of what it belongs to (model, revision, input size,
     * vocabulary, teacher, seed).
     */
    public static String version(LinearHead head, HeadManifest about) {
        return ContentHash.of(String.join(
                "|",
                about.format(),
                about.modelId(),
                about.modelRevision(),
                Integer.toString(about.imageSize()),
                about.vocabularyId(),
                about.vocabularyVersion(),
                about.teacher(),
                Long.toString(about.seed()),
                Arrays.toString(head.weight()),
                Arrays.toString(head.bias())));
    }

    /** Writes the folder (created if missing). */
    public void save(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create head folder " + dir, e);
        }
        head.save(dir.resolve(LinearHead.WEIGHTS_FILE));
        manifest.write(dir);
    }

    /** Reads a folder written by {@link #save}. */
    public static TrainedHead load(Path dir) {
        HeadManifest manifest = HeadManifest.read(dir);
        Path weights = dir.resolve(LinearHead.WEIGHTS_FILE);
        if (!Files.isRegularFile(weights)) {
            throw new IllegalArgumentException("head folder " + dir + " has no " + LinearHead.WEIGHTS_FILE);
        }
        return new TrainedHead(LinearHead.load(weights), manifest);
    }

    /** Refuses a vocabulary other than the one the head was trained on (its classes are the head's outputs). */
    public void checkVocabulary(Vocabulary vocabulary) {
        if (!vocabulary.id().equals(manifest.vocabularyId())
                || !vocabulary.version().equals(manifest.vocabularyVersion())) {
            throw new IllegalArgumentException("the cdul head was trained on vocabulary " + manifest.vocabularyId()
                    + " (version " + manifest.vocabularyVersion() + "), not " + vocabulary.id() + " (version "
                    + vocabulary.version() + ")");
        }
    }

    /** Refuses a model other than the one whose features the head was trained on. */
    public void checkModel(String modelId, String revision, int imageSize, int embedDim) {
        if (!modelId.equals(manifest.modelId()) || !revision.equals(manifest.modelRevision())) {
            throw new IllegalArgumentException("the cdul head was trained on " + manifest.modelId() + " @ "
                    + manifest.modelRevision() + ", not " + modelId + " @ " + revision);
        }
        if (imageSize != manifest.imageSize() || embedDim != manifest.featureDim()) {
            throw new IllegalArgumentException("the cdul head expects " + manifest.featureDim() + "-wide features at "
                    + manifest.imageSize() + " px, the model gives " + embedDim + " at " + imageSize);
        }
    }
}
