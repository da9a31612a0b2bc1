package io.tagclip.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A PyTorch checkpoint in the zip format {@code torch.save} has written since PyTorch 1.6 (and {@code torch.jit.save}
 * for TorchScript): {@code NAME/data.pkl} holds the object, {@code NAME/data/KEY} the raw little-endian storages.
 * Reads Hugging Face {@code pytorch_model.bin} state dicts, open_clip checkpoints (a dict whose {@code state_dict}
 * holds the tensors, with or without the {@code module.} prefix of distributed training) and OpenAI's TorchScript
 * {@code .pt} archives, whose module tree of attributes is flattened into dotted names ({@code visual.conv1.weight})
 * as {@code state_dict()} would name them. The pickle is read by {@link TorchPickle}, which runs no code.
 * Tensors may be views: storage offsets and strides are honoured element by element.
 */
public final class TorchCheckpoint implements TensorFile {

    /** Key of the tensors inside an open_clip (and many training) checkpoints. */
    static final String STATE_DICT_KEY = "state_dict";

    /** Prefix {@code torch.nn.DataParallel}/{@code DistributedDataParallel} put on every name. */
    static final String DATA_PARALLEL_PREFIX = "module.";

    private static final int ZIP_MAGIC = 0x04034b50;
    private static final int LEGACY_MAGIC_FIRST_BYTE = 0x80;
    private static final int CHUNK_ELEMENTS = 1 << 20;

    private final Path file;
    private final ZipFile zip;
    private final String prefix;
    private final Map<String, TorchPickle.Tensor> tensors;
    private final Map<String, Entry> entries;
    private final boolean torchScript;

    private TorchCheckpoint(
            Path file, ZipFile zip, String prefix, Map<String, TorchPickle.Tensor> tensors, boolean torchScript) {
        this.file = file;
        this.zip = zip;
        this.prefix = prefix;
        this.tensors = tensors;
        this.torchScript = torchScript;
        Map<String, Entry> described = new LinkedHashMap<>();
        tensors.forEach((name, t) -> described.put(name, new Entry(t.storage().type().dtype, t.shape())));
        this.entries = Collections.unmodifiableMap(described);
    }

    /** Opens {@code file} and reads its pickle; errors name the file. */
    public static TorchCheckpoint open(Path file) {
        checkMagic(file);
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (IOException e) {
            throw new ModelLoadException("cannot open PyTorch checkpoint " + file + ": " + e.getMessage(), e);
        }
        try {
            String prefix = archivePrefix(zip, file);
            boolean torchScript =
                    zip.getEntry(prefix + "constants.pkl") != null || zip.getEntry(prefix + "code/") != null;
            byte[] pickle;
            try (InputStream in = zip.getInputStream(zip.getEntry(prefix + "data.pkl"))) {
                pickle = in.readAllBytes();
            }
            Object root = TorchPickle.load(pickle, file.toString(), torchScript);
            Map<String, TorchPickle.Tensor> tensors = stripDataParallel(flatten(root, file));
            TorchCheckpoint checkpoint = new TorchCheckpoint(file, zip, prefix, tensors, torchScript);
            tensors.forEach(checkpoint::checkStorage);
            return checkpoint;
        } catch (IOException e) {
            closeQuietly(zip, e);
            throw new ModelLoadException("cannot read PyTorch checkpoint " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(zip, e);
            throw e;
        }
    }

    private static void checkMagic(Path file) {
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(file)) {
            int read = in.readNBytes(head, 0, 4);
            int magic = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt();
            if (read == 4 && magic == ZIP_MAGIC) {
                return;
            }
            if (read > 0 && (head[0] & 0xff) == LEGACY_MAGIC_FIRST_BYTE) {
                throw new ModelLoadException(file + " is a PyTorch checkpoint in the legacy format of PyTorch < 1.6, "
                        + "which is not read; re-save it with torch.save(torch.load(f), f) in PyTorch >= 1.6");
            }
            throw new ModelLoadException(file + " is not a PyTorch checkpoint (no zip header)");
        } catch (NoSuchFileException e) {
            throw new ModelLoadException("model file not found: " + file, e);
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** The archive's top folder ({@code archive/}, or the file's stem for newer torch versions). */
    private static String archivePrefix(ZipFile zip, Path file) {
        Enumeration<? extends ZipEntry> all = zip.entries();
        while (all.hasMoreElements()) {
            String name = all.nextElement().getName();
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) {
                return name.substring(0, slash + 1);
            }
        }
        throw new ModelLoadException(file + " is a zip file without data.pkl: not a PyTorch checkpoint");
    }

    private static Map<String, TorchPickle.Tensor> flatten(Object root, Path file) {
        Map<String, TorchPickle.Tensor> out = new LinkedHashMap<>();
        Object top = root;
        if (top instanceof Map<?, ?> map && map.get(STATE_DICT_KEY) instanceof Map<?, ?> inner) {
            top = inner;
        }
        if (top instanceof TorchPickle.ScriptObject object) {
            collect(object.attributes(), "", out);
        } else if (top instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (entry.getValue() instanceof TorchPickle.Tensor tensor) {
                    out.put(String.valueOf(entry.getKey()), tensor);
                }
            }
        } else {
            throw new ModelLoadException(file + " holds a "
                    + (top == null ? "None" : top.getClass().getSimpleName()) + ", not a state dict of tensors");
        }
        if (out.isEmpty()) {
            throw new ModelLoadException(file + " holds no tensors");
        }
        return out;
    }

    /** Tensors of a TorchScript module tree, named by their attribute paths as {@code state_dict()} does. */
    private static void collect(Map<String, Object> attributes, String path, Map<String, TorchPickle.Tensor> out) {
        for (Map.Entry<String, Object> entry : attributes.entrySet()) {
            String name = path + entry.getKey();
            if (entry.getValue() instanceof TorchPickle.Tensor tensor) {
                out.put(name, tensor);
            } else if (entry.getValue() instanceof TorchPickle.ScriptObject child) {
                collect(child.attributes(), name + ".", out);
            }
        }
    }

    private static Map<String, TorchPickle.Tensor> stripDataParallel(Map<String, TorchPickle.Tensor> tensors) {
        if (!tensors.keySet().stream().allMatch(name -> name.startsWith(DATA_PARALLEL_PREFIX))) {
            return tensors;
        }
        Map<String, TorchPickle.Tensor> out = new LinkedHashMap<>();
        tensors.forEach((name, t) -> out.put(name.substring(DATA_PARALLEL_PREFIX.length()), t));
        return out;
    }

    /** Checks that a tensor's view lies inside its storage and the storage's bytes are all in the archive. */
    private void checkStorage(String name, TorchPickle.Tensor t) {
        ZipEntry entry = zip.getEntry(prefix + "data/" + t.storage().key());
        if (entry == null) {
            throw new ModelLoadException(
                    file + ": storage " + t.storage().key() + " of tensor " + name + " is missing from the archive");
        }
        long bytes = t.storage().elements() * t.storage().type().bytes;
        if (entry.getSize() >= 0 && entry.getSize() < bytes) {
            throw new ModelLoadException(file + ": storage " + t.storage().key() + " of tensor " + name + " has "
                    + entry.getSize() + " bytes, expected " + bytes);
        }
        long last = t.offset();
        long count = 1;
        for (int d = 0; d < t.shape().length; d++) {
            count *= t.shape()[d];
            last += (t.shape()[d] - 1) * t.stride()[d];
        }
        if (count > 0 && last >= t.storage().elements()) {
            throw new ModelLoadException(file + ": tensor " + name + " (offset " + t.offset() + ", shape "
                    + Arrays.toString(t.shape()) + ", strides " + Arrays.toString(t.stride())
                    + ") reaches past the " + t.storage().elements() + " elements of its storage");
        }
    }

    /** Whether the file is a TorchScript archive (OpenAI's released {@code .pt} files are). */
    boolean torchScript() {
        return torchScript;
    }

    @Override
    public Path file() {
        return file;
    }

    @Override
    public Map<String, Entry> entries() {
        return entries;
    }

    @Override
    public float[] readFloats(String name) {
        TorchPickle.Tensor t = tensors.get(name);
        if (t == null) {
            throw new ModelLoadException("tensor " + name + " is missing from " + file);
        }
        TorchPickle.StorageType type = t.storage().type();
        if (type != TorchPickle.StorageType.FLOAT
                && type != TorchPickle.StorageType.HALF
                && type != TorchPickle.StorageType.BFLOAT16) {
            throw new ModelLoadException("tensor " + name + " has dtype " + type.dtype
                    + "; only F32, F16 and BF16 are supported (" + file + ")");
        }
        long count = 1;
        for (long dim : t.shape()) {
            count *= dim;
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw new ModelLoadException("tensor " + name + " is too large (" + count + " elements) in " + file);
        }
        float[] out = new float[(int) count];
        if (count == 0) {
            return out;
        }
        try {
            if (contiguous(t)) {
                readRange(t, t.offset(), out);
            } else {
                gather(t, out);
            }
        } catch (IOException e) {
            throw new ModelLoadException("cannot read tensor " + name + " from " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static boolean contiguous(TorchPickle.Tensor t) {
        long expected = 1;
        for (int d = t.shape().length - 1; d >= 0; d--) {
            if (t.shape()[d] != 1 && t.stride()[d] != expected) {
                return false;
            }
            expected *= t.shape()[d];
        }
        return true;
    }

    /** Reads {@code out.length} consecutive storage elements starting at element {@code from}. */
    private void readRange(TorchPickle.Tensor t, long from, float[] out) throws IOException {
        int width = t.storage().type().bytes;
        try (InputStream in =
                zip.getInputStream(zip.getEntry(prefix + "data/" + t.storage().key()))) {
            in.skipNBytes(from * width);
            byte[] chunk = new byte[Math.min(out.length, CHUNK_ELEMENTS) * width];
            int written = 0;
            while (written < out.length) {
                int elements = Math.min(CHUNK_ELEMENTS, out.length - written);
                int bytes = elements * width;
                if (in.readNBytes(chunk, 0, bytes) != bytes) {
                    throw new IOException("storage " + t.storage().key() + " ends early");
                }
                decode(
                        t.storage().type(),
                        ByteBuffer.wrap(chunk, 0, bytes).order(ByteOrder.LITTLE_ENDIAN),
                        out,
                        written,
                        elements);
                written += elements;
            }
        }
    }

    /** A strided view: reads the storage span it touches, then picks each element by its strides. */
    private void gather(TorchPickle.Tensor t, float[] out) throws IOException {
        long last = 0;
        for (int d = 0; d < t.shape().length; d++) {
            last += (t.shape()[d] - 1) * t.stride()[d];
        }
        if (last + 1 > Integer.MAX_VALUE - 8) {
            throw new IOException("strided view spans " + (last + 1) + " elements");
        }
        float[] span = new float[(int) (last + 1)];
        readRange(t, t.offset(), span);
        int rank = t.shape().length;
        long[] index = new long[rank];
        for (int i = 0; i < out.length; i++) {
            long at = 0;
            for (int d = 0; d < rank; d++) {
                at += index[d] * t.stride()[d];
            }
            out[i] = span[(int) at];
            for (int d = rank - 1; d >= 0; d--) { // row-major odometer
                if (++index[d] < t.shape()[d]) {
                    break;
                }
                index[d] = 0;
            }
        }
    }

    private static void decode(TorchPickle.StorageType type, ByteBuffer bytes, float[] out, int at, int n) {
        switch (type) {
            case FLOAT -> bytes.asFloatBuffer().get(out, at, n);
            case HALF -> {
                for (int i = 0; i < n; i++) {
                    out[at + i] = Fp16.halfToFloat(bytes.getShort(2 * i));
                }
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    out[at + i] = Fp16.bfloat16ToFloat(bytes.getShort(2 * i));
                }
            }
        }
    }

    private static void closeQuietly(ZipFile zip, Exception primary) {
        try {
            zip.close();
        } catch (IOException suppressed) {
            primary.addSuppressed(suppressed);
        }
    }

    @Override
    public void close() {
        try {
            zip.close();
        } catch (IOException e) {
            throw new ModelLoadException("cannot close " + file + ": " + e.getMessage(), e);
        }
    }
}
