/**
 * CLIP's byte-level BPE tokenizer (openai/CLIP's {@code simple_tokenizer.py}): the bundled
 * {@code bpe_simple_vocab_16e6.txt.gz} (MIT, OpenAI) or a Hugging Face {@code vocab.json} + {@code merges.txt}, with
 * the reference's text clean-up (HTML entities, whitespace) before encoding.
 *
 * <p>May import {@code weights} (for {@link io.tagclip.weights.ModelLoadException}), Jackson and the JDK only.
 */
package io.tagclip.tokenizer;
