package io.tagclip.vocab;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NameFeatureLruTest {

    /** Row i of a name is its length times (i + 1), so rows tell names apart; records every call. */
    private final List<List<String>> calls = new ArrayList<>();

    private final TextTable.NameEmbedder inner = (names, manager) -> {
        calls.add(List.copyOf(names));
        float[] values = new float[names.size() * 3];
        for (int n = 0; n < names.size(); n++) {
            for (int i = 0; i < 3; i++) {
                values[n * 3 + i] = names.get(n).length() * (i + 1);
            }
        }
        return manager.create(values, new Shape(names.size(), 3));
    };

    @Test
    void shouldEmbedOnlyTheNamesItLacksAndReturnRowsInRequestOrder() {
        NameFeatureLru lru = new NameFeatureLru(inner, 8);
        try (NDManager manager = NDManager.newBaseManager()) {
            lru.embed(List.of("cat", "zebra"), manager);
            NDArray rows = lru.embed(List.of("zebra", "ox", "cat"), manager);

            assertThat(calls).containsExactly(List.of("cat", "zebra"), List.of("ox"));
            assertThat(rows.getShape()).isEqualTo(new Shape(3, 3));
            assertThat(rows.toFloatArray()).containsExactly(5, 10, 15, 2, 4, 6, 3, 6, 9);
        }
    }

    @Test
    void shouldDropTheLeastRecentlyUsedNamesBeyondItsCapacity() {
        NameFeatureLru lru = new NameFeatureLru(inner, 2);
        try (NDManager manager = NDManager.newBaseManager()) {
            lru.embedAhead(List.of("a"), manager);
            lru.embedAhead(List.of("bb"), manager);
            lru.embed(List.of("a"), manager); // a is now the most recently used
            lru.embedAhead(List.of("ccc"), manager);

            assertThat(lru.size()).isEqualTo(2);
            assertThat(lru.containsAll(List.of("a", "ccc"))).isTrue();
            assertThat(lru.containsAll(List.of("bb"))).isFalse();
        }
    }
}
