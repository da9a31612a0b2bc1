/**
 * CLIP ViT-B/16 on DJL's PyTorch engine, written with eager NDArray ops (openai/CLIP's {@code model.py}): the config,
 * the transformer block, the text tower with the prompt ensemble, a vision tower that exposes what TagCLIP needs
 * (per-layer head-averaged attention, the identity-masked last layer, any input size that is a multiple of the patch
 * size, a class-token attention mask), and {@link io.tagclip.clip.ClipLoader}, which builds a model from a state dict
 * the way {@code build_model} does (Hugging Face or OpenAI key layout).
 *
 * <p>Every numeric choice follows the reference TagCLIP code ({@code linyq2117/TagCLIP}, {@code clip/clip_model.py},
 * {@code clip/multi_head_attn.py}, {@code clip/clip.py}) and is checked against the golden outputs in
 * {@code src/test/resources/tagclip-tiny}.
 *
 * <p>May import {@code weights}, {@code tokenizer}, DJL, Jackson and the JDK; never the hub, Kafka, Quarkus, CDI or
 * the generated Avro classes. Does not log: it returns values or throws
 * {@link io.tagclip.weights.ModelLoadException} / {@link IllegalArgumentException}.
 */
package io.tagclip.clip;
