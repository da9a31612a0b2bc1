package io.tagclip.clip;

import ai.djl.ndarray.types.Shape;
import io.tagclip.weights.ModelLoadException;
import io.tagclip.weights.TensorFile;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * OpenAI's CLIP tensor names ({@code openai/CLIP} {@code model.py}, also used by open_clip) and their mapping onto
 * the Hugging Face names {@link WeightLayout} reads. The dimensions come from the tensor shapes, as OpenAI's
 * {@code build_model} derives them; the mapping splits the fused {@code attn.in_proj_weight}/{@code in_proj_bias}
 * into q, k, v rows and transposes the two projections, which OpenAI stores as {@code [in, out]}.
 */
final class OpenAiLayout {

    static final String CONV = "visual.conv1.weight";
    static final String TOKEN_EMBEDDING = "token_embedding.weight";

    /** Head width OpenAI's {@code build_model} assumes: heads = width / 64. */
    static final int HEAD_WIDTH = 64;

    /** LayerNorm epsilon of OpenAI's {@code LayerNorm} (the torch default). */
    static final float LAYER_NORM_EPS = 1e-5f;

    /** Tensors such files may carry that the model does not use (buffers, ints stored as tensors, masks). */
    private static final Pattern IGNORED =
            Pattern.compile("input_resolution|context_length|vocab_size|(.*\\.)?attn_mask|(.*\\.)?position_ids");

    private static final Pattern BLOCK = Pattern.compile("(visual\\.)?transformer\\.resblocks\\.(\\d+)\\..*");

    private static final Map<String, String> SINGLE = Map.ofEntries(
            Map.entry("vision_model.embeddings.patch_embedding.weight", CONV),
            Map.entry("vision_model.embeddings.class_embedding", "visual.class_embedding"),
            Map.entry("vision_model.embeddings.position_embedding.weight", "visual.positional_embedding"),
            Map.entry("vision_model.pre_layrnorm.weight", "visual.ln_pre.weight"),
            Map.entry("vision_model.pre_layrnorm.bias", "visual.ln_pre.bias"),
            Map.entry("vision_model.post_layernorm.weight", "visual.ln_post.weight"),
            Map.entry("vision_model.post_layernorm.bias", "visual.ln_post.bias"),
            Map.entry("text_model.embeddings.token_embedding.weight", TOKEN_EMBEDDING),
            Map.entry("text_model.embeddings.position_embedding.weight", "positional_embedding"),
            Map.entry("text_model.final_layer_norm.weight", "ln_final.weight"),
            Map.entry("text_model.final_layer_norm.bias", "ln_final.bias"),
            Map.entry(WeightLayout.LOGIT_SCALE, "logit_scale"));

    private static final Map<String, String> TRANSPOSED = Map.of(
            "visual_projection.weight", "visual.proj",
            "text_projection.weight", "text_projection");

    private static final Map<String, String> BLOCK_PARTS = Map.of(
            "layer_norm1.", "ln_1.",
            "layer_norm2.", "ln_2.",
            "self_attn.out_proj.", "attn.out_proj.",
            "mlp.fc1.", "mlp.c_fc.",
            "mlp.fc2.", "mlp.c_proj.");

    private static final Pattern HF_BLOCK =
            Pattern.compile("(vision_model|text_model)\\.encoder\\.layers\\.(\\d+)\\.(.*)");
    private static final Pattern QKV = Pattern.compile("self_attn\\.([qkv])_proj\\.(weight|bias)");

    private OpenAiLayout() {}

    /** Whether a checkpoint uses OpenAI's names (a ViT image tower and a text tower at the top level). */
    static boolean matches(Map<String, TensorFile.Entry> entries) {
        return entries.containsKey(CONV) || entries.containsKey(TOKEN_EMBEDDING);
    }

    /**
     * The model's dimensions from the tensor shapes, as {@code build_model} reads them.
     *
     * @throws ModelLoadException for a ResNet image tower, or when a tensor the shapes come from is missing
     */
    static ClipConfig config(Map<String, TensorFile.Entry> entries, ClipConfig.Activation activation, Object file) {
        if (entries.containsKey("visual.layer1.0.conv1.weight")
                || entries.containsKey("visual.attnpool.c_proj.weight")) {
            throw new ModelLoadException(file + " is a ResNet CLIP checkpoint; only ViT image towers are supported");
        }
        long[] conv = shape(entries, CONV, 4, file);
        long[] positions = shape(entries, "visual.positional_embedding", 2, file);
        long[] textProjection = shape(entries, "text_projection", 2, file);
        long[] textPositions = shape(entries, "positional_embedding", 2, file);
        long[] tokens = shape(entries, TOKEN_EMBEDDING, 2, file);
        long[] lnFinal = shape(entries, "ln_final.weight", 1, file);
        long[] visionFc = shape(entries, "visual.transformer.resblocks.0.mlp.c_fc.weight", 2, file);
        long[] textFc = shape(entries, "transformer.resblocks.0.mlp.c_fc.weight", 2, file);
        int visionWidth = (int) conv[0];
        int patch = (int) conv[3];
        int grid = (int) Math.round(Math.sqrt(positions[0] - 1));
        if ((long) grid * grid + 1 != positions[0]) {
            throw new ModelLoadException(file + ": visual.positional_embedding has " + positions[0]
                    + " rows, not a square grid plus the class token");
        }
        int textWidth = (int) lnFinal[0];
        try {
            return new ClipConfig(
                    visionWidth,
                    layers(entries, "visual."),
                    heads(visionWidth),
                    (int) visionFc[0],
                    patch,
                    patch * grid,
                    LAYER_NORM_EPS,
                    activation,
                    textWidth,
                    layers(entries, ""),
                    heads(textWidth),
                    (int) textFc[0],
                    (int) textPositions[0],
                    (int) tokens[0],
                    LAYER_NORM_EPS,
                    activation,
                    (int) textProjection[1]);
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(file + ": the tensor shapes give no valid CLIP layout: " + e.getMessage(), e);
        }
    }

    private static int heads(int width) {
        return Math.max(1, width / HEAD_WIDTH);
    }

    private static int layers(Map<String, TensorFile.Entry> entries, String tower) {
        int layers = 0;
        for (String name : entries.keySet()) {
            Matcher m = BLOCK.matcher(name);
            if (m.matches() && tower.equals(m.group(1) == null ? "" : m.group(1))) {
                layers = Math.max(layers, Integer.parseInt(m.group(2)) + 1);
            }
        }
        return layers;
    }

    private static long[] shape(Map<String, TensorFile.Entry> entries, String name, int rank, Object file) {
        TensorFile.Entry entry = entries.get(name);
        if (entry == null || entry.shape().length != rank) {
            throw new ModelLoadException(file + ": "
                    + (entry == null
                            ? "missing tensor " + name
                            : "tensor " + name + " has shape " + entry.shapeString() + ", expected " + rank
                                    + " dimensions")
                    + " (needed to read the model's layout)");
        }
        return entry.shape();
    }

    /** Every tensor an OpenAI-named checkpoint of {@code c} must contain, with its shape. */
    static Map<String, Shape> expected(ClipConfig c) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        int dv = c.visionWidth();
        shapes.put(CONV, new Shape(dv, 3, c.patchSize(), c.patchSize()));
        shapes.put("visual.class_embedding", new Shape(dv));
        shapes.put("visual.positional_embedding", new Shape(c.visionTokens(), dv));
        shapes.put("visual.ln_pre.weight", new Shape(dv));
        shapes.put("visual.ln_pre.bias", new Shape(dv));
        putBlocks(shapes, "visual.", c.visionLayers(), dv, c.visionMlpWidth());
        shapes.put("visual.ln_post.weight", new Shape(dv));
        shapes.put("visual.ln_post.bias", new Shape(dv));
        shapes.put("visual.proj", new Shape(dv, c.embedDim()));
        int dt = c.textWidth();
        shapes.put(TOKEN_EMBEDDING, new Shape(c.vocabSize(), dt));
        shapes.put("positional_embedding", new Shape(c.contextLength(), dt));
        putBlocks(shapes, "", c.textLayers(), dt, c.textMlpWidth());
        shapes.put("ln_final.weight", new Shape(dt));
        shapes.put("ln_final.bias", new Shape(dt));
        shapes.put("text_projection", new Shape(dt, c.embedDim()));
        shapes.put("logit_scale", new Shape());
        return shapes;
    }

    private static void putBlocks(Map<String, Shape> shapes, String tower, int layers, int width, int mlp) {
        for (int i = 0; i < layers; i++) {
            String p = tower + "transformer.resblocks." + i + ".";
            shapes.put(p + "attn.in_proj_weight", new Shape(3L * width, width));
            shapes.put(p + "attn.in_proj_bias", new Shape(3L * width));
            shapes.put(p + "attn.out_proj.weight", new Shape(width, width));
            shapes.put(p + "attn.out_proj.bias", new Shape(width));
            shapes.put(p + "ln_1.weight", new Shape(width));
            shapes.put(p + "ln_1.bias", new Shape(width));
            shapes.put(p + "mlp.c_fc.weight", new Shape(mlp, width));
            shapes.put(p + "mlp.c_fc.bias", new Shape(mlp));
            shapes.put(p + "mlp.c_proj.weight", new Shape(width, mlp));
            shapes.put(p + "mlp.c_proj.bias", new Shape(width));
            shapes.put(p + "ln_2.weight", new Shape(width));
            shapes.put(p + "ln_2.bias", new Shape(width));
        }
    }

    /**
     * Tensors of the file that neither the model uses nor are known buffers: weights of a part this model does not
     * have (an attention pool, a custom text tower), which loading would silently drop.
     */
    static List<String> unexpected(Map<String, TensorFile.Entry> entries, ClipConfig c) {
        Map<String, Shape> expected = expected(c);
        List<String> extra = new ArrayList<>();
        for (String name : entries.keySet()) {
            if (!expected.containsKey(name) && !IGNORED.matcher(name).matches()) {
                extra.add(name);
            }
        }
        return extra;
    }

    /** Reads Hugging Face names from an OpenAI-named file (q/k/v rows of the fused projection, transposes). */
    static WeightLayout.TensorSource source(TensorFile file, ClipConfig c) {
        Map<String, float[]> fused = new LinkedHashMap<>(); // the last fused q/k/v tensor read, reused for k and v
        return hfName -> {
            String direct = SINGLE.get(hfName);
            if (direct != null) {
                return file.readFloats(direct);
            }
            String transposed = TRANSPOSED.get(hfName);
            if (transposed != null) {
                long[] shape = file.entries().get(transposed).shape(); // [in, out]
                return transpose(file.readFloats(transposed), (int) shape[0], (int) shape[1]); // -> [out, in]
            }
            Matcher block = HF_BLOCK.matcher(hfName);
            if (!block.matches()) {
                throw new ModelLoadException("no OpenAI name for tensor " + hfName);
            }
            boolean vision = block.group(1).equals("vision_model");
            String prefix = (vision ? "visual." : "") + "transformer.resblocks." + block.group(2) + ".";
            String part = block.group(3);
            Matcher qkv = QKV.matcher(part);
            if (qkv.matches()) {
                int width = vision ? c.visionWidth() : c.textWidth();
                String name = prefix + "attn.in_proj_" + qkv.group(2);
                float[] all = fused.get(name);
                if (all == null) {
                    fused.clear();
                    all = file.readFloats(name);
                    fused.put(name, all);
                }
                int rows = qkv.group(2).equals("weight") ? width * width : width;
                int index = "qkv".indexOf(qkv.group(1));
                return Arrays.copyOfRange(all, index * rows, (index + 1) * rows); // [3D,(D)] -> rows [iD,(i+1)D)
            }
            for (Map.Entry<String, String> mapping : BLOCK_PARTS.entrySet()) {
                if (part.startsWith(mapping.getKey())) {
                    return file.readFloats(prefix
                            + mapping.getValue()
                            + part.substring(mapping.getKey().length()));
                }
            }
            throw new ModelLoadException("no OpenAI name for tensor " + hfName);
        };
    }

    private static float[] transpose(float[] values, int rows, int cols) {
        float[] out = new float[values.length];
        for (int r = 0; r < rows; r++) {
            for (int col = 0; col < cols; col++) {
                out[col * rows + r] = values[r * cols + col];
            }
        }
        return out;
    }
}
