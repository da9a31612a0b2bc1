package io.tagclip.tagging;

import ai.djl.ndarray.NDArray;

/**
 * TagCLIP step 1, coarse patch-level classification (paper §3.2; classify.py, the lines after
 * {@code encode_image_tagclip}): every patch token is scored against every class, background classes included, and
 * a softmax over classes turns the scores into a per-patch class distribution.
 */
public final class PatchClassifier {

    private PatchClassifier() {}

    /**
     * @param tokens     vision tokens after {@code ln_post} and the projection, not normalised,
     *                   {@code [1+N,E]} or {@code [B,1+N,E]} (token 0 is the class token)
     * @param text       normalised text features {@code [K,E]}
     * @param logitScale {@code exp(logit_scale)} of the model (about 100)
     * @return {@code P_coarse}, {@code [N,K]} or {@code [B,N,K]}, each row summing to 1
     */
    public static NDArray classify(NDArray tokens, NDArray text, float logitScale) {
        int rank = tokens.getShape().dimension();
        if (rank != 2 && rank != 3) {
            throw new IllegalArgumentException("expected tokens [1+N,E] or [B,1+N,E], got " + tokens.getShape());
        }
        if (text.getShape().dimension() != 2
                || text.getShape().get(1) != tokens.getShape().get(rank - 1)) {
            throw new IllegalArgumentException(
                    "text features " + text.getShape() + " do not match tokens " + tokens.getShape());
        }
        NDArray patches = rank == 2 ? tokens.get("1:, :") : tokens.get(":, 1:, :"); // [..,1+N,E] -> [..,N,E]
        NDArray unit = patches.div(patches.norm(new int[] {-1}, true)); // [..,N,E], rows of norm 1
        // The reference multiplies the features by the scale before the product: (s * F) @ T^T.
        NDArray logits = unit.mul(logitScale).matMul(text.transpose()); // [..,N,E] x [E,K] -> [..,N,K]
        return logits.softmax(-1); // [..,N,K]
    }
}
