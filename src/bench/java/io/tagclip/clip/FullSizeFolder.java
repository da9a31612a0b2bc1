package io.tagclip.clip;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a Hugging Face CLIP folder with the dimensions of {@code openai/clip-vit-base-patch16} (149.6 M parameters)
 * and random weights ({@link RandomClip#weights}), with the real CLIP BPE tokenizer files of the test fixture, for
 * full-size benchmarks of the command line. About 600 MB on disk; never committed.
 *
 * <pre>
 * java -cp ... io.tagclip.clip.FullSizeFolder DIR [SEED]
 * </pre>
 */
public final class FullSizeFolder {

    private static final Path TOKENIZER = Path.of("src/test/resources/tagclip-tiny/model");
    private static final long DEFAULT_SEED = 20261202L;

    /** {@code config.json} of openai/clip-vit-base-patch16, with the fields {@link ClipConfig} reads. */
    private static final String CONFIG = """
            {
              "architectures": ["CLIPModel"],
              "model_type": "clip",
              "projection_dim": 512,
              "logit_scale_init_value": 2.6592,
              "torch_dtype": "float32",
              "text_config": {
                "model_type": "clip_text_model", "vocab_size": 49408, "hidden_size": 512,
                "intermediate_size": 2048, "num_attention_heads": 8, "num_hidden_layers": 12,
                "max_position_embeddings": 77, "hidden_act": "quick_gelu", "layer_norm_eps": 1e-05,
                "projection_dim": 512, "bos_token_id": 49406, "eos_token_id": 49407, "pad_token_id": 1
              },
              "vision_config": {
                "model_type": "clip_vision_model", "hidden_size": 768, "intermediate_size": 3072,
                "num_attention_heads": 12, "num_hidden_layers": 12, "patch_size": 16, "image_size": 224,
                "num_channels": 3, "hidden_act": "quick_gelu", "layer_norm_eps": 1e-05, "projection_dim": 512
              }
            }
            """;

    private FullSizeFolder() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 2) {
            throw new IllegalArgumentException("usage: FullSizeFolder DIR [SEED]");
        }
        write(Path.of(args[0]), args.length > 1 ? Long.parseLong(args[1]) : DEFAULT_SEED);
    }

    /** Writes the folder; the weights file goes in last, under a temporary name, so a half-written folder fails. */
    static void write(Path dir, long seed) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(ClipLoader.CONFIG_FILE), CONFIG, StandardCharsets.UTF_8);
        ClipConfig config = ClipConfig.fromHuggingFace(dir.resolve(ClipLoader.CONFIG_FILE));
        if (!config.equals(ClipConfig.vitB16())) {
            throw new IllegalStateException("config.json reads as " + config + ", not ViT-B/16");
        }
        for (String file : new String[] {"vocab.json", "merges.txt"}) {
            Files.copy(TOKENIZER.resolve(file), dir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        WeightLayout.TensorSource source = RandomClip.weights(config, seed);
        Map<String, SafeTensorsWriter.Tensor> tensors = new LinkedHashMap<>();
        long parameters = 0;
        for (var entry : WeightLayout.expected(config).entrySet()) {
            float[] values = source.read(entry.getKey());
            tensors.put(
                    entry.getKey(),
                    new SafeTensorsWriter.Tensor("F32", entry.getValue().getShape(), values));
            parameters += values.length;
        }
        Path partial = dir.resolve(ClipLoader.WEIGHTS_FILE + ".partial");
        SafeTensorsWriter.write(partial, tensors);
        Files.move(partial, dir.resolve(ClipLoader.WEIGHTS_FILE), StandardCopyOption.REPLACE_EXISTING);
        System.out.printf("wrote %s: %,d parameters%n", dir, parameters);
    }
}
