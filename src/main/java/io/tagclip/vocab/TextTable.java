package io.tagclip.vocab;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a vocabulary's text feature table {@code T [K,E]} from a prompt-ensemble embedder (85 templates per name,
 * each prompt normalised, mean, normalised again, as {@code clip.encode_text_with_prompt_ensemble} and
 * {@code classify()} do).
 *
 * <p>Classes with one prompt name (every class of the built-in vocabularies) use the embedder's row unchanged, so the
 * reference path is exact. A class with several names gets the normalised mean of its names' rows (an extension; the
 * reference has one name per class).
 */
public final class TextTable {

    /** Embeds class names: one normalised row per name. */
    @FunctionalInterface
    public interface NameEmbedder {
        /** @return {@code [names.size(), E]} normalised text features owned by {@code manager} */
        NDArray embed(List<String> names, NDManager manager);
    }

    private TextTable() {}

    /** {@code [K,E]} normalised text features of {@code vocabulary}, owned by {@code manager}. */
    public static NDArray build(Vocabulary vocabulary, NameEmbedder embedder, NDManager manager) {
        List<List<String>> perClass = vocabulary.promptNames();
        List<String> flat = new ArrayList<>();
        perClass.forEach(flat::addAll);
        NDArray rows = embedder.embed(flat, manager); // [M,E]
        if (rows.getShape().get(0) != flat.size()) {
            throw new IllegalStateException("embedder returned " + rows.getShape() + " for " + flat.size() + " names");
        }
        if (flat.size() == perClass.size()) {
            return rows;
        }
        List<NDArray> classes = new ArrayList<>(perClass.size());
        int start = 0;
        for (List<String> names : perClass) {
            NDArray mean = rows.get(start + ":" + (start + names.size())).mean(new int[] {0}); // [n,E] -> [E]
            classes.add(mean.div(mean.norm()));
            start += names.size();
        }
        return NDArrays.stack(new NDList(classes)); // K x [E] -> [K,E]
    }
}
