package io.tagclip.clip;

import ai.djl.ndarray.NDArray;

/**
 * What CLIP-ES's Grad-CAM step reads from the model for one image and its text rows ({@link
 * ClipModel#gradCamPass}). All arrays are float32 and owned by the caller's manager.
 *
 * @param encoded the residual stream after every block but the last (CLIP-ES {@code encode_image}), [1+N,D]
 * @param activations the last block's {@code ln_1} output at the patch tokens, [N,D]
 * @param gradients per target row t, the gradient of {@code softmax(logits)[t]} with respect to that output, [L,N,D]
 * @param probabilities the softmax over the text rows of the scaled cosine similarities ({@code logits_per_image}),
 *     [K]
 * @param attentions head-averaged attention of every block, the last included, [layers,1+N,1+N]
 */
public record GradCamPass(
        NDArray encoded, NDArray activations, NDArray gradients, NDArray probabilities, NDArray attentions)
        implements AutoCloseable {

    @Override
    public void close() {
        encoded.close();
        activations.close();
        gradients.close();
        probabilities.close();
        attentions.close();
    }
}
