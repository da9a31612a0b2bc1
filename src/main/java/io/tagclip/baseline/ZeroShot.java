package io.tagclip.baseline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * CLIP zero-shot classification, the step both baselines share: cosine similarity of image and class text
 * embeddings, times a logit multiplier, softmax over the classes (Radford et al., 2021, §3.1.2).
 */
public final class ZeroShot {

    private ZeroShot() {}

    /**
     * {@code softmax_C(multiplier · normalise(features) · textᵀ)}.
     *
     * @param features {@code [N,E]} image embeddings, not necessarily normalised
     * @param text {@code [C,E]} L2-normalised class embeddings
     * @param multiplier the logit multiplier, CLIP's {@code exp(logit_scale)}
     * @return {@code [N,C]} class probabilities, owned by the manager of {@code features}
     */
    public static NDArray probabilities(NDArray features, NDArray text, float multiplier) {
        checkMatrix(features, "image features");
        checkMatrix(text, "text features");
        if (features.getShape().get(1) != text.getShape().get(1)) {
            throw new IllegalArgumentException("image features " + features.getShape() + " and text features "
                    + text.getShape() + " differ in embedding width");
        }
        NDArray unit = features.div(features.norm(new int[] {1}, true)); // [N,E] / [N,1] -> [N,E]
        NDArray logits = unit.matMul(text.transpose()).muli(multiplier); // [N,E] x [E,C] -> [N,C]
        return logits.softmax(1); // [N,C], rows sum to 1
    }

    /** Each row divided by its L2 norm; owned by the manager of {@code rows}. */
    public static NDArray normaliseRows(NDArray rows) {
        checkMatrix(rows, "rows");
        return rows.div(rows.norm(new int[] {1}, true)); // [K,E] / [K,1] -> [K,E]
    }

    /**
     * Class embeddings from one prompt template: {@code template} with {@code {}} replaced by each class name,
     * encoded and L2-normalised.
     *
     * @return {@code [C,E]} normalised, owned by {@code manager}
     */
    public static NDArray singleTemplateFeatures(
            TextEncoder encoder, List<String> classNames, String template, NDManager manager) {
        if (!template.contains("{}")) {
            throw new IllegalArgumentException("template must contain {}, got '" + template + "'");
        }
        if (classNames.isEmpty()) {
            throw new IllegalArgumentException("no class names");
        }
        List<String> prompts = new ArrayList<>(classNames.size());
        for (String name : classNames) {
            prompts.add(template.replace("{}", name));
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray raw = encoder.encode(prompts, scope); // [C,E]
            NDArray features = normaliseRows(raw);
            features.attach(manager);
            return features;
        }
    }

    static void checkMatrix(NDArray array, String what) {
        Shape shape = array.getShape();
        if (shape.dimension() != 2) {
            throw new IllegalArgumentException(what + " must be 2-D [rows,E], got " + shape);
        }
    }
}
