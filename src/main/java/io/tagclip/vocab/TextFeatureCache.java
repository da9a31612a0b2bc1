package io.tagclip.vocab;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tagclip.clip.ClipModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Text features kept on disk between runs, so that a restart with the same model and vocabulary skips the prompt
 * ensemble (minutes on a CPU at ViT-B/16 size).
 *
 * <p>{@link #cached} wraps a {@link TextTable.NameEmbedder}: the rows of a list of names are read from a file whose
 * key is the model (id, revision = hub commit or weights hash, compute dtype), the embedder's definition (for the
 * prompt ensemble: its templates and how they are combined, {@link io.tagclip.clip.PromptEnsemble#definition()}) and
 * the names themselves, in order. A vocabulary's names are exactly what its text features depend on, so a vocabulary
 * whose prompt names change (a new version) misses, while a change of thresholds alone reuses the same features.
 *
 * <p>File format ({@code .tfc}, big-endian): the magic {@code TCTXTF01}; the length and UTF-8 text of the key (every
 * key field, then the names one per line); the row and column counts; the float32 rows; the SHA-256 of everything
 * before it. A file is used only when its key equals the expected key byte for byte, its shape matches the names,
 * its length is exact, every value is finite and the checksum agrees; otherwise the rows are recomputed and the file
 * replaced, and the listener hears why. Files are written to a temporary file in the same directory and renamed into
 * place, so a reader never sees half a file. Failing to write (a read-only directory, a full disk) is reported and
 * the computed rows are still returned. The cache never logs: callers decide what to print.
 */
public final class TextFeatureCache {

    /** File name suffix of an entry. */
    public static final String SUFFIX = ".tfc";

    private static final byte[] MAGIC = "TCTXTF01".getBytes(StandardCharsets.US_ASCII);

    /** Bytes of the SHA-256 trailer. */
    private static final int DIGEST_BYTES = 32;

    /** Bytes of the fixed fields around the key text: magic, key length, rows, columns. */
    private static final int FIXED_BYTES = MAGIC.length + 3 * Integer.BYTES;

    /** Longest key text read back (names of a large vocabulary fit many times over); guards a corrupt length. */
    private static final int MAX_KEY_BYTES = 64 << 20;

    /** Characters of a model id kept in a file name; the id itself is in the key. */
    private static final int MAX_ID_CHARS = 40;

    /** What happened to one lookup. */
    public enum Outcome {
        /** The rows came from the file. */
        HIT,
        /** No file: the rows were computed. */
        MISS,
        /** A file was there but not usable (see the event's detail): the rows were computed again. */
        REJECTED,
        /** Computed rows were written to the file. */
        STORED,
        /** Computed rows could not be written (see the detail); they are used all the same. */
        STORE_FAILED
    }

    /**
     * One thing the cache did.
     *
     * @param outcome what happened
     * @param file    the entry's file
     * @param names   how many names were asked for
     * @param detail  why a file was rejected or could not be written; empty otherwise
     */
    public record Event(Outcome outcome, Path file, int names, String detail) {}

    /** Hears every lookup; called on the embedding thread. */
    @FunctionalInterface
    public interface Listener {
        /** Ignores everything. */
        Listener NONE = event -> {};

        void on(Event event);
    }

    /**
     * What, besides the names, the rows depend on.
     *
     * @param modelId       model identifier
     * @param modelRevision hub commit or the weights' hash prefix
     * @param dtype         compute precision of the model
     * @param embedder      definition of the embedder (templates and recipe); stored as a hash in the file name and
     *                      in full in the key
     */
    public record Key(String modelId, String modelRevision, String dtype, String embedder) {

        public Key {
            Objects.requireNonNull(modelId, "modelId");
            Objects.requireNonNull(modelRevision, "modelRevision");
            Objects.requireNonNull(dtype, "dtype");
            Objects.requireNonNull(embedder, "embedder");
        }

        /** The key of {@code model}'s features made by an embedder defined by {@code embedderDefinition}. */
        public static Key of(ClipModel model, String embedderDefinition) {
            return new Key(model.modelId(), model.revision(), model.dtype().name(), embedderDefinition);
        }
    }

    private final Path directory;
    private final Listener listener;

    /**
     * @param directory where entries live (created on first write)
     * @param listener  hears hits, misses, rejected files and write failures
     */
    public TextFeatureCache(Path directory, Listener listener) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** {@code ~/.cache/tagclip/text-features}. */
    public static Path defaultDirectory() {
        return Path.of(System.getProperty("user.home"), ".cache", "tagclip", "text-features");
    }

    public Path directory() {
        return directory;
    }

    /** {@code embedder} with its rows read from, or written to, this cache under {@code key}. */
    public TextTable.NameEmbedder cached(TextTable.NameEmbedder embedder, Key key) {
        Objects.requireNonNull(embedder, "embedder");
        Objects.requireNonNull(key, "key");
        return (names, manager) -> embed(embedder, key, names, manager);
    }

    /** The file that holds the rows of {@code names} under {@code key}. */
    public Path file(Key key, List<String> names) {
        String id = key.modelId().replaceAll("[^A-Za-z0-9._-]", "_");
        if (id.length() > MAX_ID_CHARS) {
            id = id.substring(0, MAX_ID_CHARS);
        }
        String revision = key.modelRevision().replaceAll("[^A-Za-z0-9._-]", "_");
        return directory.resolve(id + "-" + revision + "-" + key.dtype().toLowerCase() + "-"
                + ContentHash.of(key.embedder()) + "-" + ContentHash.of(String.join("\n", names)) + SUFFIX);
    }

    private NDArray embed(TextTable.NameEmbedder embedder, Key key, List<String> names, NDManager manager) {
        Path file = file(key, names);
        byte[] keyText = keyText(key, names);
        Outcome missed = Outcome.MISS;
        String why = "";
        try {
            Stored stored = read(file, keyText, names.size());
            listener.on(new Event(Outcome.HIT, file, names.size(), ""));
            return manager.create(stored.values(), new Shape(names.size(), stored.columns())); // [M,E]
        } catch (IOException | RuntimeException e) {
            if (Files.exists(file)) { // else first use (or no cache directory yet): a plain miss
                missed = Outcome.REJECTED;
                why = String.valueOf(e.getMessage());
            }
        }
        listener.on(new Event(missed, file, names.size(), why));
        NDArray rows = embedder.embed(names, manager); // [M,E]
        Shape shape = rows.getShape();
        if (shape.dimension() != 2 || shape.get(0) != names.size()) {
            throw new IllegalStateException("embedder returned " + shape + " for " + names.size() + " names");
        }
        try {
            write(file, keyText, rows.toFloatArray(), names.size(), Math.toIntExact(shape.get(1)));
            listener.on(new Event(Outcome.STORED, file, names.size(), ""));
        } catch (IOException | RuntimeException e) {
            listener.on(new Event(Outcome.STORE_FAILED, file, names.size(), String.valueOf(e.getMessage())));
        }
        return rows;
    }

    private static byte[] keyText(Key key, List<String> names) {
        StringBuilder text = new StringBuilder()
                .append("model=")
                .append(key.modelId())
                .append('\n')
                .append("revision=")
                .append(key.modelRevision())
                .append('\n')
                .append("dtype=")
                .append(key.dtype())
                .append('\n')
                .append("embedder=")
                .append(key.embedder().replace("\n", "\\n"))
                .append('\n')
                .append("names=")
                .append(names.size())
                .append('\n');
        names.forEach(name -> text.append(name.replace("\n", "\\n")).append('\n'));
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Rows read back from a file, row-major. */
    private record Stored(float[] values, int columns) {}

    /**
     * The rows in {@code file} if it is a sound entry for {@code keyText}.
     *
     * @throws IOException when there is no entry, or naming what is wrong with it
     */
    private static Stored read(Path file, byte[] keyText, int rows) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        if (bytes.length < FIXED_BYTES + DIGEST_BYTES) {
            throw new IOException(file + " is truncated (" + bytes.length + " bytes)");
        }
        byte[] digest = sha256().digest(Arrays.copyOf(bytes, bytes.length - DIGEST_BYTES));
        if (!Arrays.equals(digest, Arrays.copyOfRange(bytes, bytes.length - DIGEST_BYTES, bytes.length))) {
            throw new IOException(file + " fails its checksum");
        }
        byte[] magic = new byte[MAGIC.length];
        in.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IOException(file + " is not a text-feature file (bad magic)");
        }
        int keyLength = in.getInt();
        if (keyLength < 0 || keyLength > MAX_KEY_BYTES || keyLength > in.remaining()) {
            throw new IOException(file + " has a bad key length " + keyLength);
        }
        byte[] storedKey = new byte[keyLength];
        in.get(storedKey);
        if (!Arrays.equals(storedKey, keyText)) {
            throw new IOException(file + " was written for another model, embedder or names");
        }
        if (in.remaining() < 2 * Integer.BYTES) {
            throw new IOException(file + " is truncated after its key");
        }
        int storedRows = in.getInt();
        int columns = in.getInt();
        if (storedRows != rows || columns <= 0) {
            throw new IOException(file + " holds [" + storedRows + "," + columns + "], expected " + rows + " rows");
        }
        long expectedLength = (long) FIXED_BYTES + keyLength + (long) storedRows * columns * Float.BYTES + DIGEST_BYTES;
        if (bytes.length != expectedLength) {
            throw new IOException(file + " has " + bytes.length + " bytes, expected " + expectedLength);
        }
        float[] values = new float[storedRows * columns];
        in.asFloatBuffer().get(values);
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IOException(file + " holds a non-finite value at " + i);
            }
        }
        return new Stored(values, columns);
    }

    /** Writes an entry to a temporary file beside {@code file}, forces it to disk, then renames it into place. */
    private static void write(Path file, byte[] keyText, float[] values, int rows, int columns) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(FIXED_BYTES + keyText.length + values.length * Float.BYTES + DIGEST_BYTES)
                .order(ByteOrder.BIG_ENDIAN);
        out.put(MAGIC).putInt(keyText.length).put(keyText).putInt(rows).putInt(columns);
        out.asFloatBuffer().put(values);
        out.position(out.position() + values.length * Float.BYTES);
        MessageDigest digest = sha256();
        digest.update(out.array(), 0, out.position());
        out.put(digest.digest());
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            try (FileChannel channel =
                    FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                out.flip();
                while (out.hasRemaining()) {
                    channel.write(out);
                }
                channel.force(true);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }
}
