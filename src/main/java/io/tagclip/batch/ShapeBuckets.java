package io.tagclip.batch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Shape buckets for throughput mode: a first-pass forward can only batch images of identical size (padding would
 * change attention), so every image is resized to a bucket size and images are grouped by it.
 */
public final class ShapeBuckets {

    /** A tensor size in pixels. */
    public record Size(int width, int height) {}

    private ShapeBuckets() {}

    /**
     * The bucket of an image: scale so that the longer side is at most {@code maxLongSide}, then round each side up
     * to a multiple of {@code sizeStep} (never above {@code maxLongSide}). With {@code sizeStep = 16} and an image
     * that already fits, this is exactly the reference's size.
     */
    public static Size target(int width, int height, BatchingPolicy policy) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        double scale = Math.min(1.0, (double) policy.maxLongSide() / Math.max(width, height));
        return new Size(side(width * scale, policy), side(height * scale, policy));
    }

    private static int side(double scaled, BatchingPolicy policy) {
        int step = policy.sizeStep();
        // A hair below the next multiple stays below it: 512.0000001 from rounding is 512, not 544.
        int steps = (int) Math.ceil(scaled / step - 1e-9);
        return Math.min(Math.max(steps, 1) * step, policy.maxLongSide());
    }

    /** Indices of {@code items} grouped by key, groups and members in first-seen order. */
    public static <T, K> List<List<Integer>> group(List<T> items, Function<T, K> key) {
        Map<K, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < items.size(); i++) {
            groups.computeIfAbsent(key.apply(items.get(i)), k -> new ArrayList<>())
                    .add(i);
        }
        return List.copyOf(groups.values());
    }

    /** Consecutive chunks of at most {@code size} elements. */
    public static <T> List<List<T>> chunks(List<T> items, int size) {
        List<List<T>> out = new ArrayList<>();
        for (int start = 0; start < items.size(); start += size) {
            out.add(items.subList(start, Math.min(items.size(), start + size)));
        }
        return out;
    }
}
