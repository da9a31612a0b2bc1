/**
 * CLIP ViT-B/16 on DJL's PyTorch engine, written with eager NDArray ops: weight loading from a Hugging Face folder
 * (or the hub, with a local cache), the OpenAI BPE tokenizer, the text tower with the prompt ensemble, and a vision
 * tower that exposes what TagCLIP needs (per-layer head-averaged attention, the identity-masked last layer, any input
 * size that is a multiple of the patch size, a class-token attention mask).
 *
 * <p>Every numeric choice follows the reference TagCLIP code ({@code linyq2117/TagCLIP}, {@code clip/clip_model.py},
 * {@code clip/multi_head_attn.py}, {@code clip/clip.py}) and is checked against the golden outputs in
 * {@code src/test/resources/tagclip-tiny}.
 *
 * <p>May import DJL, Jackson and the JDK only; never Kafka, Quarkus, CDI or the generated Avro classes. Does not log:
 * it returns values or throws {@link io.tagclip.clip.ModelLoadException} / {@link IllegalArgumentException}.
 */
package io.tagclip.clip;
