package io.tagclip.clip;

import io.tagclip.golden.GoldenTensors;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The PyTorch checkpoint fixtures in {@code src/test/resources/checkpoints}: the tiny golden model written by a real
 * PyTorch ({@code src/test/python/make_checkpoint_fixtures.py}) as a Hugging Face {@code pytorch_model.bin}, an
 * OpenAI TorchScript {@code .pt} and an open_clip training checkpoint, plus small tensors for the reader.
 */
public final class Checkpoints {

    /** Hugging Face names, fp16, with the int64 {@code position_ids} buffers and a scalar {@code logit_scale}. */
    public static final String HF_BIN = "hf/pytorch_model.bin";

    /** OpenAI's names in a TorchScript archive, fp16, as OpenAI's released {@code ViT-B-16.pt}. */
    public static final String OPENAI_PT = "openai/tiny-ViT-B-16.pt";

    /** An open_clip training checkpoint: {@code {"epoch", "name", "state_dict"}}, names prefixed {@code module.}. */
    public static final String OPEN_CLIP_PT = "open_clip/epoch_1.pt";

    private Checkpoints() {}

    /** A fixture file by its path below {@code checkpoints/}. */
    public static Path file(String relative) {
        URL url = Checkpoints.class.getResource("/checkpoints/" + relative);
        if (url == null) {
            throw new IllegalStateException("checkpoint fixture " + relative + " not on the test classpath");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A Hugging Face folder under {@code parent}: the tiny model's config and tokenizer with {@link #HF_BIN}. */
    public static Path hfBinFolder(Path parent) throws IOException {
        Path folder = Files.createDirectories(parent.resolve("hf-bin"));
        for (String name : List.of("config.json", "vocab.json", "merges.txt")) {
            Files.copy(GoldenTensors.modelFolder().resolve(name), folder.resolve(name));
        }
        Files.copy(file(HF_BIN), folder.resolve(ClipLoader.PYTORCH_WEIGHTS_FILE));
        return folder;
    }
}
