package io.tagclip.baseline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.tagclip.image.RgbImage;
import io.tagclip.eval.ImageScorer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** A method that gives every decoded image one score per dataset class. */
public interface ImageBatchScorer {

    /** The method's id ({@code clip-global}, {@code cdul-global-local}, ...). */
    String methodId();

    /** Number of classes C scored. */
    int numClasses();

    /** {@code [B,C]} scores of {@code images}, owned by {@code manager}. */
    NDArray score(List<RgbImage> images, NDManager manager);

    /** Decodes an image file to RGB. */
    @FunctionalInterface
    interface ImageDecoder {
        RgbImage decode(Path file) throws IOException;
    }

    /**
     * This scorer over image files, for {@link io.tagclip.eval.Evaluator}: each call decodes its files, scores
     * them in one batch under a manager of its own (a child of {@code manager}, closed before returning) and copies
     * the scores to the heap.
     */
    default ImageScorer forFiles(ImageDecoder decoder, NDManager manager) {
        Objects.requireNonNull(decoder, "decoder");
        Objects.requireNonNull(manager, "manager");
        return files -> {
            List<RgbImage> images = new ArrayList<>(files.size());
            for (Path file : files) {
                images.add(decoder.decode(file));
            }
            try (NDManager batch = manager.newSubManager()) {
                float[] flat = score(images, batch).toFloatArray(); // [B,C] row-major
                int c = numClasses();
                List<float[]> rows = new ArrayList<>(images.size());
                for (int i = 0; i < images.size(); i++) {
                    float[] row = new float[c];
                    System.arraycopy(flat, i * c, row, 0, c);
                    rows.add(row);
                }
                return rows;
            }
        };
    }
}
