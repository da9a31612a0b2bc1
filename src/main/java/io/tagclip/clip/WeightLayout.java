package io.tagclip.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Hugging Face {@code CLIPModel} tensor names and shapes for a config, and the assembly of transformer blocks
 * from them (q/k/v fused, attention scale folded into q).
 */
final class WeightLayout {

    /** Supplies float32 values of a tensor by its Hugging Face name (shape already checked). */
    interface TensorSource {
        float[] read(String name);
    }

    /** Creates model-owned arrays: compute dtype for matrices, float32 for LayerNorm parameters. */
    interface Allocator {
        NDArray weight(float[] values, Shape shape);

        NDArray float32(float[] values, Shape shape);
    }

    static final String VISION = "vision_model.";
    static final String TEXT = "text_model.";
    static final String LOGIT_SCALE = "logit_scale";

    private WeightLayout() {}

    /** Every tensor a CLIPModel folder must contain, with its shape, in a stable order. */
    static Map<String, Shape> expected(ClipConfig c) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        int dv = c.visionWidth();
        shapes.put(VISION + "embeddings.patch_embedding.weight", new Shape(dv, 3, c.patchSize(), c.patchSize()));
        shapes.put(VISION + "embeddings.class_embedding", new Shape(dv));
        shapes.put(VISION + "embeddings.position_embedding.weight", new Shape(c.visionTokens(), dv));
        shapes.put(VISION + "pre_layrnorm.weight", new Shape(dv));
        shapes.put(VISION + "pre_layrnorm.bias", new Shape(dv));
        putBlocks(shapes, VISION, c.visionLayers(), dv, c.visionMlpWidth());
        shapes.put(VISION + "post_layernorm.weight", new Shape(dv));
        shapes.put(VISION + "post_layernorm.bias", new Shape(dv));
        shapes.put("visual_projection.weight", new Shape(c.embedDim(), dv));
        int dt = c.textWidth();
        shapes.put(TEXT + "embeddings.token_embedding.weight", new Shape(c.vocabSize(), dt));
        shapes.put(TEXT + "embeddings.position_embedding.weight", new Shape(c.contextLength(), dt));
        putBlocks(shapes, TEXT, c.textLayers(), dt, c.textMlpWidth());
        shapes.put(TEXT + "final_layer_norm.weight", new Shape(dt));
        shapes.put(TEXT + "final_layer_norm.bias", new Shape(dt));
        shapes.put("text_projection.weight", new Shape(c.embedDim(), dt));
        shapes.put(LOGIT_SCALE, new Shape());
        return shapes;
    }

    private static void putBlocks(Map<String, Shape> shapes, String tower, int layers, int width, int mlp) {
        for (int i = 0; i < layers; i++) {
            String p = blockPrefix(tower, i);
            shapes.put(p + "layer_norm1.weight", new Shape(width));
            shapes.put(p + "layer_norm1.bias", new Shape(width));
            for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
                shapes.put(p + "self_attn." + proj + ".weight", new Shape(width, width));
                shapes.put(p + "self_attn." + proj + ".bias", new Shape(width));
            }
            shapes.put(p + "layer_norm2.weight", new Shape(width));
            shapes.put(p + "layer_norm2.bias", new Shape(width));
            shapes.put(p + "mlp.fc1.weight", new Shape(mlp, width));
            shapes.put(p + "mlp.fc1.bias", new Shape(mlp));
            shapes.put(p + "mlp.fc2.weight", new Shape(width, mlp));
            shapes.put(p + "mlp.fc2.bias", new Shape(width));
        }
    }

    static String blockPrefix(String tower, int layer) {
        return tower + "encoder.layers." + layer + ".";
    }

    /** Builds block {@code layer} of {@code tower} (q/k/v fused into one [3D,D] weight, q pre-scaled). */
    static TransformerBlock block(
            String tower,
            int layer,
            int width,
            int heads,
            int mlp,
            float eps,
            ClipConfig.Activation activation,
            TensorSource source,
            Allocator alloc) {
        String p = blockPrefix(tower, layer);
        float scale = (float) (1.0 / Math.sqrt((double) width / heads));
        float[] qkvWeight = new float[3 * width * width];
        float[] qkvBias = new float[3 * width];
        String[] parts = {"q_proj", "k_proj", "v_proj"};
        for (int part = 0; part < 3; part++) {
            float[] weight = source.read(p + "self_attn." + parts[part] + ".weight");
            float[] bias = source.read(p + "self_attn." + parts[part] + ".bias");
            float factor = part == 0 ? scale : 1f;
            for (int i = 0; i < weight.length; i++) {
                qkvWeight[part * width * width + i] = weight[i] * factor;
            }
            for (int i = 0; i < width; i++) {
                qkvBias[part * width + i] = bias[i] * factor;
            }
        }
        return new TransformerBlock(
                width,
                heads,
                eps,
                activation,
                alloc.float32(source.read(p + "layer_norm1.weight"), new Shape(width)),
                alloc.float32(source.read(p + "layer_norm1.bias"), new Shape(width)),
                alloc.weight(qkvWeight, new Shape(3L * width, width)),
                alloc.weight(qkvBias, new Shape(3L * width)),
                alloc.weight(source.read(p + "self_attn.out_proj.weight"), new Shape(width, width)),
                alloc.weight(source.read(p + "self_attn.out_proj.bias"), new Shape(width)),
                alloc.float32(source.read(p + "layer_norm2.weight"), new Shape(width)),
                alloc.float32(source.read(p + "layer_norm2.bias"), new Shape(width)),
                alloc.weight(source.read(p + "mlp.fc1.weight"), new Shape(mlp, width)),
                alloc.weight(source.read(p + "mlp.fc1.bias"), new Shape(mlp)),
                alloc.weight(source.read(p + "mlp.fc2.weight"), new Shape(width, mlp)),
                alloc.weight(source.read(p + "mlp.fc2.bias"), new Shape(width)));
    }
}
