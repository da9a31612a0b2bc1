package io.tagclip.batch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongToIntFunction;
import java.util.function.ToIntFunction;

/**
 * How images share first-pass forwards. Throughput mode resizes every image to a bucket size ({@link #target});
 * both modes then group images by token count ({@link #byTokens}): images of different sizes share a forward padded
 * to the longest one (padding masked out, so results do not change), with the padding bounded per forward.
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

    /**
     * Indices of {@code items} grouped into first-pass forwards by token count. Items are taken longest first (ties in
     * input order); a forward takes the next item while it stays within {@code policy}: at most
     * {@link BatchingPolicy#maxImagesPerForward} items, the attention budget at the forward's padded length
     * ({@link BatchingPolicy#imagesPerForward(long, int)}), and padded slots
     * {@code size * longest - sum(tokens)} at most {@link BatchingPolicy#maxPaddingShare} of {@code sum(tokens)}.
     * Because items come longest first, an item that breaks the bound closes the forward.
     *
     * @param tokens an item's sequence length (class token included)
     * @param layers layers of the model (for the attention budget)
     */
    public static <T> List<List<Integer>> byTokens(
            List<T> items, ToIntFunction<T> tokens, BatchingPolicy policy, int layers) {
        return byTokens(items, tokens, policy, longest -> policy.imagesPerForward(longest, layers));
    }

    /**
     * As {@link #byTokens(List, ToIntFunction, BatchingPolicy, int)}, with the images a forward may take at its
     * padded length given by {@code perForward} (at least 1 is always taken) instead of the policy's attention budget;
     * the policy still bounds the padding.
     */
    public static <T> List<List<Integer>> byTokens(
            List<T> items, ToIntFunction<T> tokens, BatchingPolicy policy, LongToIntFunction perForward) {
        Integer[] order = new Integer[items.size()];
        int[] length = new int[items.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
            length[i] = tokens.applyAsInt(items.get(i));
            if (length[i] <= 0) {
                throw new IllegalArgumentException("token count must be positive, got " + length[i] + " for item " + i);
            }
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> length[i]).reversed());
        List<List<Integer>> forwards = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        long longest = 0;
        long real = 0;
        int limit = 0;
        for (int i : order) {
            if (!current.isEmpty()) {
                long padding = (current.size() + 1L) * longest - (real + length[i]);
                if (current.size() < limit && padding <= policy.maxPaddingShare() * (real + length[i])) {
                    current.add(i);
                    real += length[i];
                    continue;
                }
                forwards.add(List.copyOf(current));
                current.clear();
            }
            current.add(i);
            longest = length[i];
            real = length[i];
            limit = Math.max(1, perForward.applyAsInt(longest));
        }
        if (!current.isEmpty()) {
            forwards.add(List.copyOf(current));
        }
        return List.copyOf(forwards);
    }

    /**
     * The share of padding in forwards grouped by {@link #byTokens}: padded slots over real tokens, summed over all
     * forwards ({@code sum(size * longest) / sum(tokens) - 1}).
     */
    public static <T> double paddingShare(List<T> items, ToIntFunction<T> tokens, List<List<Integer>> forwards) {
        long slots = 0;
        long real = 0;
        for (List<Integer> forward : forwards) {
            int longest = 0;
            for (int i : forward) {
                int t = tokens.applyAsInt(items.get(i));
                longest = Math.max(longest, t);
                real += t;
            }
            slots += (long) longest * forward.size();
        }
        return real == 0 ? 0 : (double) (slots - real) / real;
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
