package io.tagclip.cdul;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.tagclip.baseline.ClipGlobalScorer;
import io.tagclip.baseline.ImageBatchScorer;
import io.tagclip.baseline.ImageEncoder;
import io.tagclip.image.RgbImage;
import java.util.List;
import java.util.Objects;

/**
 * CDUL's inference stage: the whole image squashed to the model's image size (as {@code clip-global} does), one
 * global CLIP pass, the embedding L2-normalised, and the head's C sigmoid probabilities. No text side and no local
 * crops run.
 */
public final class HeadScorer implements ImageBatchScorer {

    private final ImageEncoder encoder;
    private final LinearHead head;
    private final int inputSize;

    /**
     * @param encoder   CLIP's plain image embedding ({@code ClipModel::encodeImage})
     * @param head      the trained head
     * @param inputSize the model's image size, the one the head's training features were computed at
     */
    public HeadScorer(ImageEncoder encoder, LinearHead head, int inputSize) {
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.head = Objects.requireNonNull(head, "head");
        if (inputSize <= 0) {
            throw new IllegalArgumentException("input size must be positive, got " + inputSize);
        }
        this.inputSize = inputSize;
    }

    @Override
    public int numClasses() {
        return head.classes();
    }

    /** {@code [B,E]} L2-normalised global embeddings of {@code images}, float32, owned by {@code manager}. */
    public static NDArray features(ImageEncoder encoder, List<RgbImage> images, int inputSize, NDManager manager) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images to encode");
        }
        int plane = 3 * inputSize * inputSize;
        float[] pixels = new float[images.size() * plane];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(ClipGlobalScorer.preprocess(images.get(i), inputSize), 0, pixels, i * plane, plane);
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray input = scope.create(pixels, new Shape(images.size(), 3, inputSize, inputSize)); // [B,3,S,S]
            NDArray embedding = encoder.encode(input).toType(DataType.FLOAT32, false); // [B,E]
            NDArray normalised = embedding.div(embedding.norm(new int[] {1}, true)); // [B,E] / [B,1] -> [B,E]
            normalised.attach(manager);
            return normalised;
        }
    }

    @Override
    public NDArray score(List<RgbImage> images, NDManager manager) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray scores = head.probabilities(features(encoder, images, inputSize, scope)); // [B,E] -> [B,C]
            scores.attach(manager);
            return scores;
        }
    }
}
