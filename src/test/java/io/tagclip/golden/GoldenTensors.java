package io.tagclip.golden;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import io.tagclip.clip.ClipModel;
import io.tagclip.image.RgbImage;
import io.tagclip.tagging.TagClipParams;
import java.nio.file.Path;
import java.util.List;

/**
 * The golden fixture {@code tagclip-tiny} as the CLIP tests need it: normalised image tensors, the reference's
 * constants, and comparisons with named tolerances (files are read through {@link Golden}).
 */
public final class GoldenTensors {

    /** The reference's last-block self mask, as TagCLIP passes it to the first pass. */
    public static final float SELF_MASK = TagClipParams.REFERENCE.lastLayerSelfMask();

    /** CLIP's normalisation constants (OpenAI {@code clip._transform}). */
    public static final float[] MEAN = {0.48145466f, 0.4578275f, 0.40821073f};

    public static final float[] STD = {0.26862954f, 0.26130258f, 0.27577711f};

    private GoldenTensors() {}

    public static Path modelFolder() {
        return Golden.modelDir();
    }

    public static JsonNode expected(String name) {
        return Golden.expected(name);
    }

    /** An 8-bit PNG of the fixture as a normalised [1,3,H,W] float32 tensor (ToTensor + Normalize in float32). */
    public static NDArray image(NDManager manager, String relativePath) {
        RgbImage image = Golden.image(relativePath);
        int h = image.height();
        int w = image.width();
        float[] chw = new float[3 * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    chw[(c * h + y) * w + x] = ((float) image.channel(x, y, c) / 255f - MEAN[c]) / STD[c];
                }
            }
        }
        return manager.create(chw, new Shape(1, 3, h, w));
    }

    /** A nested JSON array of numbers, flattened row-major (all rows must have the same length). */
    public static float[] floats(JsonNode node) {
        if (node.isArray() && node.size() > 0 && node.get(0).isArray()) {
            float[] first = floats(node.get(0));
            float[] out = new float[node.size() * first.length];
            for (int i = 0; i < node.size(); i++) {
                float[] row = i == 0 ? first : floats(node.get(i));
                assertThat(row.length).as("row %d length", i).isEqualTo(first.length);
                System.arraycopy(row, 0, out, i * first.length, first.length);
            }
            return out;
        }
        return Golden.floats(node);
    }

    public static int[] ints(JsonNode node) {
        return Golden.ints(node);
    }

    /** First-pass tokens of one golden image: a fingerprint of a loaded model's vision weights. */
    public static float[] visionProbe(ClipModel model) {
        try (NDManager scope = NDManager.newBaseManager()) {
            NDArray image = image(scope, "expected/chelsea_small.resized.png");
            return model.encodeImageTagClip(image, SELF_MASK).tokens().toFloatArray();
        }
    }

    /** Text features of two prompts: a fingerprint of a loaded model's text weights and tokenizer. */
    public static float[] textProbe(ClipModel model) {
        try (NDManager scope = NDManager.newBaseManager()) {
            return model.encodeTexts(List.of("a photo of a cat.", "itap of my pottedplant."), scope)
                    .toFloatArray();
        }
    }
}
