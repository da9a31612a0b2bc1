package io.tagclip.clip;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A model folder on disk and the name it is known by.
 *
 * @param folder Hugging Face CLIP folder (config.json, model.safetensors, tokenizer files)
 * @param modelId hub id ({@code openai/clip-vit-base-patch16}) or the folder name
 * @param revision hub revision (commit when the hub reported one, else the requested branch or tag), or the first
 *     hex digits of the weights' sha256 for a plain folder; {@code null} lets {@link ClipLoader#load} compute that
 */
public record ModelSource(Path folder, String modelId, String revision) {

    public ModelSource {
        Objects.requireNonNull(folder, "folder");
        Objects.requireNonNull(modelId, "modelId");
    }
}
