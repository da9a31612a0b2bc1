package io.tagclip.clip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tagclip.weights.ModelLoadException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The dimensions of a CLIP model, read from a Hugging Face {@code config.json} ({@code CLIPConfig}).
 *
 * @param visionWidth vision hidden size (768 for ViT-B/16)
 * @param visionLayers vision transformer blocks (12)
 * @param visionHeads vision attention heads (12; the reference derives width / 64)
 * @param visionMlpWidth vision MLP hidden size (3072)
 * @param patchSize patch side in pixels (16)
 * @param imageSize training resolution (224), whose grid the positional embedding covers
 * @param visionEps LayerNorm epsilon of the vision tower (1e-5)
 * @param visionActivation MLP activation of the vision tower (quick_gelu)
 * @param textWidth text hidden size (512)
 * @param textLayers text transformer blocks (12)
 * @param textHeads text attention heads (8)
 * @param textMlpWidth text MLP hidden size (2048)
 * @param contextLength text positions (77)
 * @param vocabSize token vocabulary size (49408)
 * @param textEps LayerNorm epsilon of the text tower (1e-5)
 * @param textActivation MLP activation of the text tower (quick_gelu)
 * @param embedDim joint embedding size, the output of both projections (512)
 */
public record ClipConfig(
        int visionWidth,
        int visionLayers,
        int visionHeads,
        int visionMlpWidth,
        int patchSize,
        int imageSize,
        float visionEps,
        Activation visionActivation,
        int textWidth,
        int textLayers,
        int textHeads,
        int textMlpWidth,
        int contextLength,
        int vocabSize,
        float textEps,
        Activation textActivation,
        int embedDim) {

    /** MLP activations CLIP checkpoints use. */
    public enum Activation {
        /** {@code x * sigmoid(1.702 x)}, OpenAI's CLIP. */
        QUICK_GELU,
        /** The exact (erf) GELU. */
        GELU;

        static Activation fromHuggingFace(String name) {
            return switch (name) {
                case "quick_gelu" -> QUICK_GELU;
                case "gelu" -> GELU;
                default ->
                    throw new ModelLoadException("unsupported hidden_act '" + name + "' (supported: quick_gelu, gelu)");
            };
        }
    }

    public ClipConfig {
        requirePositive("visionWidth", visionWidth);
        requirePositive("visionLayers", visionLayers);
        requirePositive("visionHeads", visionHeads);
        requirePositive("visionMlpWidth", visionMlpWidth);
        requirePositive("patchSize", patchSize);
        requirePositive("imageSize", imageSize);
        requirePositive("textWidth", textWidth);
        requirePositive("textLayers", textLayers);
        requirePositive("textHeads", textHeads);
        requirePositive("textMlpWidth", textMlpWidth);
        requirePositive("contextLength", contextLength);
        requirePositive("vocabSize", vocabSize);
        requirePositive("embedDim", embedDim);
        if (visionWidth % visionHeads != 0) {
            throw new IllegalArgumentException(
                    "visionWidth " + visionWidth + " is not divisible by visionHeads " + visionHeads);
        }
        if (textWidth % textHeads != 0) {
            throw new IllegalArgumentException(
                    "textWidth " + textWidth + " is not divisible by textHeads " + textHeads);
        }
        if (imageSize % patchSize != 0) {
            throw new IllegalArgumentException(
                    "imageSize " + imageSize + " is not a multiple of patchSize " + patchSize);
        }
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    /** OpenAI's CLIP ViT-B/16 ({@code openai/clip-vit-base-patch16}). */
    public static ClipConfig vitB16() {
        return new ClipConfig(
                768,
                12,
                12,
                3072,
                16,
                224,
                1e-5f,
                Activation.QUICK_GELU,
                512,
                12,
                8,
                2048,
                77,
                49408,
                1e-5f,
                Activation.QUICK_GELU,
                512);
    }

    /** Patches per side at the training resolution (14 for ViT-B/16). */
    public int gridSize() {
        return imageSize / patchSize;
    }

    /** Vision tokens at the training resolution: class token plus grid² patches (197). */
    public int visionTokens() {
        return gridSize() * gridSize() + 1;
    }

    /**
     * Reads a Hugging Face {@code config.json}. Missing keys take {@code CLIPTextConfig}/{@code CLIPVisionConfig}
     * defaults, so both full and abbreviated configs load; the legacy {@code *_config_dict} keys override them, as
     * in {@code transformers}. {@code text_config.eos_token_id} is not read: the text tower pools at the end token
     * {@code <|endoftext|>} (the largest id), which is right also for the OpenAI configs that say 2.
     */
    public static ClipConfig fromHuggingFace(Path configJson) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(configJson));
        } catch (NoSuchFileException e) {
            throw new ModelLoadException("model file not found: " + configJson, e);
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + configJson + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelLoadException(configJson + " is not a JSON object");
        }
        JsonNode vision = section(root, "vision_config");
        JsonNode text = section(root, "text_config");
        int projection = intValue(root, "projection_dim", 512);
        try {
            return new ClipConfig(
                    intValue(vision, "hidden_size", 768),
                    intValue(vision, "num_hidden_layers", 12),
                    intValue(vision, "num_attention_heads", 12),
                    intValue(vision, "intermediate_size", 3072),
                    intValue(vision, "patch_size", 32),
                    intValue(vision, "image_size", 224),
                    (float) vision.path("layer_norm_eps").asDouble(1e-5),
                    Activation.fromHuggingFace(vision.path("hidden_act").asText("quick_gelu")),
                    intValue(text, "hidden_size", 512),
                    intValue(text, "num_hidden_layers", 12),
                    intValue(text, "num_attention_heads", 8),
                    intValue(text, "intermediate_size", 2048),
                    intValue(text, "max_position_embeddings", 77),
                    intValue(text, "vocab_size", 49408),
                    (float) text.path("layer_norm_eps").asDouble(1e-5),
                    Activation.fromHuggingFace(text.path("hidden_act").asText("quick_gelu")),
                    projection);
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException("invalid " + configJson + ": " + e.getMessage(), e);
        }
    }

    /**
     * A sub-config as {@code transformers}' {@code CLIPConfig} builds it: {@code name} (e.g. {@code vision_config}),
     * with the keys of the legacy {@code name_dict} laid over it when that is an object (it wins, as there).
     */
    private static JsonNode section(JsonNode root, String name) {
        ObjectNode merged = JsonNodeFactory.instance.objectNode();
        if (root.path(name).isObject()) {
            merged.setAll((ObjectNode) root.path(name));
        }
        if (root.path(name + "_dict").isObject()) {
            merged.setAll((ObjectNode) root.path(name + "_dict"));
        }
        return merged;
    }

    private static int intValue(JsonNode node, String key, int fallback) {
        JsonNode value = node.path(key);
        return value.isNumber() ? value.asInt() : fallback;
    }
}
