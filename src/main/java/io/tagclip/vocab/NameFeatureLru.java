package io.tagclip.vocab;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Text features of single names, kept in memory for the names most recently used ({@code capacity} of them): the
 * extra labels events name (open vocabulary). Wraps the plain prompt-ensemble embedder, not the disk cache, so that
 * a stream of free-form names never writes a file per name. Thread-safe: {@link #embed} may run on the inference
 * thread while a background thread embeds names ahead ({@link #embedAhead}).
 */
public final class NameFeatureLru implements TextTable.NameEmbedder {

    private final TextTable.NameEmbedder inner;
    private final int capacity;
    private final Map<String, float[]> rows;
    /** The embedder's row type and width, known after the first embedding. */
    private DataType type;

    private int width;

    /** @param inner the prompt-ensemble embedder; @param capacity names kept */
    public NameFeatureLru(TextTable.NameEmbedder inner, int capacity) {
        this.inner = Objects.requireNonNull(inner, "inner");
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
        this.rows = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, float[]> eldest) {
                return size() > NameFeatureLru.this.capacity;
            }
        };
    }

    /** Whether every name of {@code names} has its features in memory now. */
    public synchronized boolean containsAll(List<String> names) {
        return names.stream().allMatch(rows::containsKey);
    }

    /** Names kept now. */
    public synchronized int size() {
        return rows.size();
    }

    /** Embeds the names of {@code names} not in memory yet (slow: the text tower), so that later calls find them. */
    public void embedAhead(List<String> names, NDManager manager) {
        try (NDManager scope = manager.newSubManager()) {
            embed(names, scope);
        }
    }

    @Override
    public NDArray embed(List<String> names, NDManager manager) {
        Map<String, float[]> found = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        synchronized (this) {
            for (String name : names) {
                float[] row = rows.get(name);
                if (row != null) {
                    found.put(name, row);
                } else if (!missing.contains(name)) {
                    missing.add(name);
                }
            }
        }
        if (!missing.isEmpty()) {
            // outside the lock: the text tower is slow, and other names may be read meanwhile
            NDArray computed = inner.embed(missing, manager);
            DataType computedType = computed.getDataType();
            int columns = (int) computed.getShape().get(1);
            float[] flat = computed.toType(DataType.FLOAT32, false).toFloatArray();
            for (int i = 0; i < missing.size(); i++) {
                float[] row = new float[columns];
                System.arraycopy(flat, i * columns, row, 0, columns);
                found.put(missing.get(i), row);
            }
            synchronized (this) {
                type = computedType;
                width = columns;
                rows.putAll(found);
            }
        }
        float[] out;
        DataType outType;
        int columns;
        synchronized (this) {
            columns = width;
            outType = type;
            out = new float[names.size() * columns];
            for (int i = 0; i < names.size(); i++) {
                System.arraycopy(found.get(names.get(i)), 0, out, i * columns, columns);
            }
        }
        NDArray result = manager.create(out, new Shape(names.size(), columns));
        return outType == DataType.FLOAT32 ? result : result.toType(outType, false);
    }
}
