package io.tagclip.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A weights-only reader of the pickle ({@code data.pkl}) inside a PyTorch checkpoint. It interprets the opcodes a
 * state dict uses (protocol 2, plus the framing and memo opcodes of protocol 4) as data and never runs anything:
 * the only callables it knows are {@code torch._utils._rebuild_tensor_v2}, {@code torch._utils._rebuild_parameter}
 * and {@code collections.OrderedDict}, which it evaluates itself (in TorchScript archives also the typed-list
 * markers of {@code torch.jit._pickle}); storage types appear only inside persistent ids.
 * Any other {@code GLOBAL} (for instance {@code os.system} or {@code builtins.eval}) is refused with a message naming
 * it. TorchScript archives name their module classes ({@code __torch__.*}); with {@code scriptObjects} those become
 * inert {@link ScriptObject}s holding their attributes.
 */
final class TorchPickle {

    /** A storage referenced by a persistent id: its archive key, element type and element count. */
    record Storage(String key, StorageType type, long elements) {}

    /** A tensor view of a storage ({@code _rebuild_tensor_v2}): offset, shape and strides in elements. */
    record Tensor(Storage storage, long offset, long[] shape, long[] stride) {}

    /** An instance of a TorchScript class ({@code __torch__.*}): its qualified name and attribute dict. */
    record ScriptObject(String className, Map<String, Object> attributes) {}

    /** Element types of PyTorch storages, by their pickled class name. */
    enum StorageType {
        FLOAT("FloatStorage", "F32", 4),
        HALF("HalfStorage", "F16", 2),
        BFLOAT16("BFloat16Storage", "BF16", 2),
        DOUBLE("DoubleStorage", "F64", 8),
        LONG("LongStorage", "I64", 8),
        INT("IntStorage", "I32", 4),
        SHORT("ShortStorage", "I16", 2),
        CHAR("CharStorage", "I8", 1),
        BYTE("ByteStorage", "U8", 1),
        BOOL("BoolStorage", "BOOL", 1);

        final String className;
        final String dtype;
        final int bytes;

        StorageType(String className, String dtype, int bytes) {
            this.className = className;
            this.dtype = dtype;
            this.bytes = bytes;
        }

        static StorageType named(String name) {
            for (StorageType type : values()) {
                if (type.className.equals(name)) {
                    return type;
                }
            }
            return null;
        }
    }

    /** The callables this reader evaluates itself. */
    private enum Callable {
        REBUILD_TENSOR,
        REBUILD_PARAMETER,
        ORDERED_DICT,
        TYPED_LIST
    }

    /** A TorchScript class name, instantiated by NEWOBJ into a {@link ScriptObject}. */
    private record ScriptClass(String name) {}

    private static final Object MARK = new Object();

    /** TorchScript's typed-list markers: each returns its one argument, a list, unchanged. */
    private static final Set<String> TORCHSCRIPT_LISTS = Set.of(
            "torch.jit._pickle.build_intlist",
            "torch.jit._pickle.build_doublelist",
            "torch.jit._pickle.build_boollist",
            "torch.jit._pickle.build_tensorlist",
            "torch.jit._pickle.build_genlist",
            "torch.jit._pickle.restore_type_tag");

    private final byte[] data;
    private final String source;
    private final boolean scriptObjects;
    private final Map<String, Storage> storages = new LinkedHashMap<>();
    private int pos;

    private TorchPickle(byte[] data, String source, boolean scriptObjects) {
        this.data = data;
        this.source = source;
        this.scriptObjects = scriptObjects;
    }

    /**
     * Reads one pickled object.
     *
     * @param source names the pickle in error messages
     * @param scriptObjects accept TorchScript classes ({@code __torch__.*}) as inert objects
     * @throws ModelLoadException for an opcode or a global this reader does not accept, naming it
     */
    static Object load(byte[] data, String source, boolean scriptObjects) {
        return new TorchPickle(data, source, scriptObjects).run();
    }

    private Object run() {
        List<Object> stack = new ArrayList<>();
        Map<Integer, Object> memo = new HashMap<>();
        while (true) {
            if (pos >= data.length) {
                throw fail("ends without STOP");
            }
            int at = pos;
            int op = data[pos++] & 0xff;
            switch (op) {
                case 0x80 -> { // PROTO
                    int protocol = u8();
                    if (protocol > 5) {
                        throw fail("uses pickle protocol " + protocol);
                    }
                }
                case 0x95 -> pos += 8; // FRAME: a length hint
                case '.' -> { // STOP
                    return pop(stack);
                }
                case '(' -> stack.add(MARK);
                case '}' -> stack.add(new LinkedHashMap<Object, Object>());
                case ']' -> stack.add(new ArrayList<>());
                case ')' -> stack.add(List.of());
                case 't' -> stack.add(List.copyOf(popToMark(stack)));
                case 0x85 -> stack.add(tuple(stack, 1));
                case 0x86 -> stack.add(tuple(stack, 2));
                case 0x87 -> stack.add(tuple(stack, 3));
                case 'l' -> stack.add(new ArrayList<>(popToMark(stack)));
                case 'd' -> stack.add(dict(popToMark(stack), at));
                case 'a' -> {
                    Object value = pop(stack);
                    list(peek(stack), at).add(value);
                }
                case 'e' -> {
                    List<Object> values = popToMark(stack);
                    list(peek(stack), at).addAll(values);
                }
                case 's' -> {
                    Object value = pop(stack);
                    Object key = pop(stack);
                    map(peek(stack), at).put(key, value);
                }
                case 'u' -> {
                    List<Object> items = popToMark(stack);
                    map(peek(stack), at).putAll(dict(items, at));
                }
                case 'J' -> stack.add((long) buffer(4).getInt());
                case 'K' -> stack.add((long) u8());
                case 'M' -> stack.add((long) (buffer(2).getShort() & 0xffff));
                case 0x8a -> stack.add(longValue(u8(), at));
                case 0x8b -> stack.add(longValue(buffer(4).getInt(), at));
                case 'G' ->
                    stack.add(ByteBuffer.wrap(bytes(8))
                            .order(ByteOrder.BIG_ENDIAN)
                            .getDouble());
                case 'N' -> stack.add(null);
                case 0x88 -> stack.add(Boolean.TRUE);
                case 0x89 -> stack.add(Boolean.FALSE);
                case 'X' -> stack.add(new String(bytes(length(buffer(4).getInt(), at)), StandardCharsets.UTF_8));
                case 0x8c -> stack.add(new String(bytes(u8()), StandardCharsets.UTF_8));
                case 0x8d -> stack.add(new String(bytes(length(buffer(8).getLong(), at)), StandardCharsets.UTF_8));
                case 'U' -> stack.add(new String(bytes(u8()), StandardCharsets.ISO_8859_1));
                case 'T' -> stack.add(new String(bytes(length(buffer(4).getInt(), at)), StandardCharsets.ISO_8859_1));
                case 'C' -> stack.add(bytes(u8()));
                case 'B' -> stack.add(bytes(length(buffer(4).getInt(), at)));
                case 'q' -> memo.put(u8(), peek(stack));
                case 'r' -> memo.put(buffer(4).getInt(), peek(stack));
                case 0x94 -> memo.put(memo.size(), peek(stack));
                case 'h' -> stack.add(memoized(memo, u8(), at));
                case 'j' -> stack.add(memoized(memo, buffer(4).getInt(), at));
                case '0' -> pop(stack);
                case '1' -> popToMark(stack);
                case '2' -> stack.add(peek(stack));
                case 'c' -> stack.add(global(line(), line()));
                case 0x93 -> {
                    Object name = pop(stack);
                    Object module = pop(stack);
                    stack.add(global(String.valueOf(module), String.valueOf(name)));
                }
                case 'Q' -> stack.add(persistent(pop(stack), at));
                case 'R' -> {
                    Object args = pop(stack);
                    Object callable = pop(stack);
                    stack.add(reduce(callable, args, at));
                }
                case 0x81 -> { // NEWOBJ
                    pop(stack);
                    Object cls = pop(stack);
                    if (!(cls instanceof ScriptClass script)) {
                        throw fail("instantiates " + describe(cls) + " (NEWOBJ at byte " + at + ")");
                    }
                    stack.add(new ScriptObject(script.name(), new LinkedHashMap<>()));
                }
                case 'b' -> { // BUILD
                    Object state = pop(stack);
                    Object target = peek(stack);
                    if (target instanceof ScriptObject object && state instanceof Map<?, ?> attributes) {
                        attributes.forEach((k, v) -> object.attributes().put(String.valueOf(k), v));
                    } else if (!(target instanceof Map<?, ?>)) { // an OrderedDict's __dict__ (_metadata) is dropped
                        throw fail("sets the state of " + describe(target) + " (BUILD at byte " + at + ")");
                    }
                }
                default ->
                    throw fail(String.format(
                            "uses pickle opcode 0x%02x at byte %d, which a weights-only " + "reader does not accept",
                            op, at));
            }
        }
    }

    private Object global(String module, String name) {
        String qualified = module + "." + name;
        switch (qualified) {
            case "torch._utils._rebuild_tensor_v2" -> {
                return Callable.REBUILD_TENSOR;
            }
            case "torch._utils._rebuild_parameter" -> {
                return Callable.REBUILD_PARAMETER;
            }
            case "collections.OrderedDict" -> {
                return Callable.ORDERED_DICT;
            }
            default -> {}
        }
        if (scriptObjects && TORCHSCRIPT_LISTS.contains(qualified)) {
            return Callable.TYPED_LIST;
        }
        if (module.equals("torch") && StorageType.named(name) != null) {
            return StorageType.named(name);
        }
        if (scriptObjects && (module.equals("__torch__") || module.startsWith("__torch__."))) {
            return new ScriptClass(qualified);
        }
        throw fail("refers to " + qualified + "; a weights-only reader accepts only tensors, storages and ordered "
                + "dicts and runs no code (is this a full pickled object rather than a state dict?)");
    }

    private Object persistent(Object id, int at) {
        if (id instanceof List<?> t
                && t.size() == 5
                && "storage".equals(t.get(0))
                && t.get(1) instanceof StorageType type
                && t.get(2) instanceof String key
                && t.get(4) instanceof Long elements) {
            Storage storage = storages.computeIfAbsent(key, k -> new Storage(k, type, elements));
            if (storage.type() != type || storage.elements() != elements) {
                throw fail("declares storage " + key + " twice with different types or sizes");
            }
            return storage;
        }
        throw fail("has a persistent id " + describe(id) + " at byte " + at + " that is not a tensor storage");
    }

    private Object reduce(Object callable, Object args, int at) {
        if (!(callable instanceof Callable known) || !(args instanceof List<?> a)) {
            throw fail("calls " + describe(callable) + " (REDUCE at byte " + at + ")");
        }
        switch (known) {
            case ORDERED_DICT -> {
                if (!a.isEmpty()) {
                    throw fail("builds an OrderedDict from arguments at byte " + at);
                }
                return new LinkedHashMap<Object, Object>();
            }
            case TYPED_LIST -> {
                if (a.isEmpty()) {
                    throw fail("builds a typed list from no arguments at byte " + at);
                }
                return a.get(0);
            }
            case REBUILD_PARAMETER -> {
                if (a.isEmpty() || !(a.get(0) instanceof Tensor tensor)) {
                    throw fail("rebuilds a parameter from " + describe(a) + " at byte " + at);
                }
                return tensor;
            }
            default -> {
                if (a.size() < 4
                        || !(a.get(0) instanceof Storage storage)
                        || !(a.get(1) instanceof Long offset)
                        || !(a.get(2) instanceof List<?> size)
                        || !(a.get(3) instanceof List<?> stride)
                        || size.size() != stride.size()) {
                    throw fail("rebuilds a tensor from " + describe(a) + " at byte " + at);
                }
                return new Tensor(storage, offset, longs(size, at), longs(stride, at));
            }
        }
    }

    private long[] longs(List<?> values, int at) {
        long[] out = new long[values.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(values.get(i) instanceof Long value) || value < 0) {
                throw fail("has a tensor size or stride " + values + " at byte " + at);
            }
            out[i] = value;
        }
        return out;
    }

    private static String describe(Object value) {
        if (value instanceof Callable c) {
            return c.name().toLowerCase(Locale.ROOT);
        }
        if (value instanceof ScriptClass s) {
            return s.name();
        }
        if (value instanceof StorageType s) {
            return "torch." + s.className;
        }
        return value == null ? "None" : value.getClass().getSimpleName() + " " + value;
    }

    private List<Object> tuple(List<Object> stack, int n) {
        if (stack.size() < n) {
            throw fail("pops an empty stack");
        }
        List<Object> items = new ArrayList<>(stack.subList(stack.size() - n, stack.size()));
        stack.subList(stack.size() - n, stack.size()).clear();
        return Collections.unmodifiableList(items);
    }

    private Map<Object, Object> dict(List<Object> items, int at) {
        if (items.size() % 2 != 0) {
            throw fail("has an odd number of dict items at byte " + at);
        }
        Map<Object, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < items.size(); i += 2) {
            out.put(items.get(i), items.get(i + 1));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object value, int at) {
        if (value instanceof ArrayList<?> list) {
            return (List<Object>) list;
        }
        throw fail("appends to " + describe(value) + " at byte " + at);
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> map(Object value, int at) {
        if (value instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        if (value instanceof ScriptObject o) {
            return (Map<Object, Object>) (Map<?, ?>) o.attributes();
        }
        throw fail("sets an item of " + describe(value) + " at byte " + at);
    }

    private Object memoized(Map<Integer, Object> memo, int index, int at) {
        if (!memo.containsKey(index)) {
            throw fail("reads memo entry " + index + " that was never stored (byte " + at + ")");
        }
        return memo.get(index);
    }

    private List<Object> popToMark(List<Object> stack) {
        for (int i = stack.size() - 1; i >= 0; i--) {
            if (stack.get(i) == MARK) {
                List<Object> items = new ArrayList<>(stack.subList(i + 1, stack.size()));
                stack.subList(i, stack.size()).clear();
                return items;
            }
        }
        throw fail("has no MARK to pop to");
    }

    private Object pop(List<Object> stack) {
        if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
            throw fail("pops an empty stack");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek(List<Object> stack) {
        if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
            throw fail("reads an empty stack");
        }
        return stack.get(stack.size() - 1);
    }

    private Long longValue(int n, int at) {
        if (n > 8) {
            throw fail("has a " + n + "-byte integer at byte " + at);
        }
        byte[] b = bytes(n);
        long value = 0;
        for (int i = n - 1; i >= 0; i--) {
            value = (value << 8) | (b[i] & 0xff);
        }
        if (n > 0 && n < 8 && (b[n - 1] & 0x80) != 0) {
            value -= 1L << (8 * n);
        }
        return value;
    }

    private int length(long n, int at) {
        if (n < 0 || n > data.length - pos) {
            throw fail("has a string of " + n + " bytes at byte " + at + " past its end");
        }
        return (int) n;
    }

    private int u8() {
        return bytes(1)[0] & 0xff;
    }

    private ByteBuffer buffer(int n) {
        return ByteBuffer.wrap(bytes(n)).order(ByteOrder.LITTLE_ENDIAN);
    }

    private byte[] bytes(int n) {
        if (n > data.length - pos) {
            throw fail("ends in the middle of an opcode");
        }
        byte[] out = new byte[n];
        System.arraycopy(data, pos, out, 0, n);
        pos += n;
        return out;
    }

    private String line() {
        int start = pos;
        while (pos < data.length && data[pos] != '\n') {
            pos++;
        }
        if (pos >= data.length) {
            throw fail("ends in the middle of a GLOBAL");
        }
        return new String(data, start, pos++ - start, StandardCharsets.UTF_8);
    }

    private ModelLoadException fail(String what) {
        return new ModelLoadException(source + ": the checkpoint's pickle " + what);
    }
}
