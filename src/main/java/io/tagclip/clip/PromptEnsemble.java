package io.tagclip.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.ArrayList;
import java.util.List;

/**
 * Class text embeddings by prompt ensembling (reference {@code encode_text_with_prompt_ensemble} in
 * {@code clip/clip.py}): every class name is put into the 85 templates, each prompt embedding is L2-normalised, the
 * mean over templates is taken and normalised again.
 */
public final class PromptEnsemble {

    /**
     * The reference's 85 templates in its order: CLIP's 80 ImageNet templates as TagCLIP orders them, then five scene
     * templates. Grammatical slips ("a origami", "itap of") are the reference's and change the embeddings.
     */
    public static final List<String> TEMPLATES = List.of(
            "a bad photo of a {}.",
            "a photo of many {}.",
            "a sculpture of a {}.",
            "a photo of the hard to see {}.",
            "a low resolution photo of the {}.",
            "a rendering of a {}.",
            "graffiti of a {}.",
            "a bad photo of the {}.",
            "a cropped photo of the {}.",
            "a tattoo of a {}.",
            "the embroidered {}.",
            "a photo of a hard to see {}.",
            "a bright photo of a {}.",
            "a photo of a clean {}.",
            "a photo of a dirty {}.",
            "a dark photo of the {}.",
            "a drawing of a {}.",
            "a photo of my {}.",
            "the plastic {}.",
            "a photo of the cool {}.",
            "a close-up photo of a {}.",
            "a black and white photo of the {}.",
            "a painting of the {}.",
            "a painting of a {}.",
            "a pixelated photo of the {}.",
            "a sculpture of the {}.",
            "a bright photo of the {}.",
            "a cropped photo of a {}.",
            "a plastic {}.",
            "a photo of the dirty {}.",
            "a jpeg corrupted photo of a {}.",
            "a blurry photo of the {}.",
            "a photo of the {}.",
            "a good photo of the {}.",
            "a rendering of the {}.",
            "a {} in a video game.",
            "a photo of one {}.",
            "a doodle of a {}.",
            "a close-up photo of the {}.",
            "a photo of a {}.",
            "the origami {}.",
            "the {} in a video game.",
            "a sketch of a {}.",
            "a doodle of the {}.",
            "a origami {}.",
            "a low resolution photo of a {}.",
            "the toy {}.",
            "a rendition of the {}.",
            "a photo of the clean {}.",
            "a photo of a large {}.",
            "a rendition of a {}.",
            "a photo of a nice {}.",
            "a photo of a weird {}.",
            "a blurry photo of a {}.",
            "a cartoon {}.",
            "art of a {}.",
            "a sketch of the {}.",
            "a embroidered {}.",
            "a pixelated photo of a {}.",
            "itap of the {}.",
            "a jpeg corrupted photo of the {}.",
            "a good photo of a {}.",
            "a plushie {}.",
            "a photo of the nice {}.",
            "a photo of the small {}.",
            "a photo of the weird {}.",
            "the cartoon {}.",
            "art of the {}.",
            "a drawing of the {}.",
            "a photo of the large {}.",
            "a black and white photo of a {}.",
            "the plushie {}.",
            "a dark photo of a {}.",
            "itap of a {}.",
            "graffiti of the {}.",
            "a toy {}.",
            "itap of my {}.",
            "a photo of a cool {}.",
            "a photo of a small {}.",
            "a tattoo of the {}.",
            "there is a {} in the scene.",
            "there is the {} in the scene.",
            "this is a {} in the scene.",
            "this is the {} in the scene.",
            "this is one {} in the scene.");

    private PromptEnsemble() {}

    /** Every prompt for {@code classNames}, class-major (class 0's 85 prompts first), as the reference builds them. */
    public static List<String> prompts(List<String> classNames) {
        List<String> prompts = new ArrayList<>(classNames.size() * TEMPLATES.size());
        for (String name : classNames) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("class names must not be blank, got '" + name + "'");
            }
            for (String template : TEMPLATES) {
                prompts.add(template.replace("{}", name));
            }
        }
        return prompts;
    }

    /**
     * How a class row is made from its prompt rows, part of {@link #definition()}: a change here must change it
     * so that stored text features made the old way are not reused.
     */
    private static final String RECIPE = "per-prompt L2 normalise, mean over templates, L2 normalise";

    /**
     * Text embeddings [K,E] of {@code classNames}, owned by {@code manager}: per class, the 85 prompt embeddings are
     * each L2-normalised, averaged, and the mean normalised again. All prompts run through the text tower in batches.
     */
    public static NDArray embed(ClipModel model, List<String> classNames, NDManager manager) {
        return embed(model, classNames, manager, TextProgress.NONE);
    }

    /** {@link #embed(ClipModel, List, NDManager)}, telling {@code progress} how many prompts are encoded. */
    public static NDArray embed(ClipModel model, List<String> classNames, NDManager manager, TextProgress progress) {
        if (classNames.isEmpty()) {
            throw new IllegalArgumentException("no class names to embed");
        }
        int templates = TEMPLATES.size();
        try (NDScope scope = new NDScope();
                NDManager sub = manager.newSubManager()) {
            scope.suppressNotUsedWarning();
            NDArray features = model.encodeTexts(prompts(classNames), sub, progress); // [K*85,E]
            long width = features.getShape().get(1);
            NDArray normed = normalize(features) // [K*85,E]
                    .reshape(classNames.size(), templates, width); // -> [K,85,E]
            NDArray ensemble = normalize(normed.mean(new int[] {1})); // -> [K,E]
            NDScope.unregister(ensemble);
            ensemble.attach(manager);
            return ensemble;
        }
    }

    /**
     * A text that changes whenever the prompts or the way they are combined change: the templates in order and the
     * recipe. Stored text features carry it so that features of another ensemble are never reused.
     */
    public static String definition() {
        return String.join("\n", TEMPLATES) + "\n" + RECIPE;
    }

    /** Rows divided by their L2 norm: [..,E] -> [..,E]. */
    public static NDArray normalize(NDArray rows) {
        return rows.div(rows.norm(new int[] {-1}, true));
    }
}
