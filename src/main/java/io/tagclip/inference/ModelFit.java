package io.tagclip.inference;

import io.tagclip.clip.ClipConfig;
import io.tagclip.pipeline.Method;
import io.tagclip.tagging.TagClipParams;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks, when a pipeline opens, that the method can run on the model, so that a mismatch fails once with a message
 * naming it instead of image by image. TagCLIP's reference constants ({@link TagClipParams#REFERENCE}) are made for
 * OpenAI's ViT-B/16: patch 16, 12 vision layers (the DMAR layers {@code [8:-1]}, the vote over all layers, the mask of
 * the last block) and 224-pixel CWR crops. Another layout is refused unless the layer parameters were set
 * explicitly (differ from the reference's); even then they must fit the model. The baselines run at any ViT layout,
 * at the model's own image size.
 */
final class ModelFit {

    /** Vision layers the reference's layer constants were chosen for (ViT-B/16). */
    static final int REFERENCE_LAYERS = 12;

    private ModelFit() {}

    /**
     * @param modelId names the model in the message
     * @throws IllegalArgumentException naming every mismatch between {@code method} and the model
     */
    static void check(ClipConfig config, String modelId, Method method, TagClipParams params) {
        if (method != Method.TAGCLIP) {
            return;
        }
        List<String> problems = new ArrayList<>();
        if (params.patchSize() != config.patchSize()) {
            problems.add("TagCLIP resizes images to multiples of patch " + params.patchSize() + " but the model's "
                    + "patch is " + config.patchSize());
        }
        if (params.cwrInputSize() != config.imageSize()) {
            problems.add("CWR crops are " + params.cwrInputSize() + " px but the model's image size is "
                    + config.imageSize() + " px");
        }
        int layers = config.visionLayers();
        if (explicitLayers(params)) {
            int to = layers - params.refineDropLastLayers();
            if (params.refineFromLayer() >= to) {
                problems.add("the refinement layers [" + params.refineFromLayer() + ", " + to + ") are empty for "
                        + layers + " vision layers");
            }
            if (params.voteMinLayers() > layers) {
                problems.add("the vote needs " + params.voteMinLayers() + " layers but the model has " + layers);
            }
        } else if (layers != REFERENCE_LAYERS) {
            problems.add("the model has " + layers + " vision layers, TagCLIP's default layer parameters (refinement "
                    + "layers 8-10 of 12, vote >= 4 layers, identity mask on layer 12) are for " + REFERENCE_LAYERS
                    + "; set the layer parameters for this model explicitly");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("method tagclip cannot run on model " + modelId + " (ViT with patch "
                    + config.patchSize() + ", " + layers + " layers, " + config.imageSize() + " px): "
                    + String.join("; ", problems) + ". TagCLIP's defaults are for ViT-B/16 (patch 16, 12 layers, "
                    + "224 px); clip-global and cdul-global-local run on any layout");
        }
    }

    /** Whether the layer parameters differ from the reference's, i.e. were chosen for a model on purpose. */
    static boolean explicitLayers(TagClipParams params) {
        TagClipParams r = TagClipParams.REFERENCE;
        return params.voteMinLayers() != r.voteMinLayers()
                || params.refineFromLayer() != r.refineFromLayer()
                || params.refineDropLastLayers() != r.refineDropLastLayers();
    }
}
