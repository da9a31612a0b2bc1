/**
 * Checkpoint file formats, read as named float32 tensors: safetensors, PyTorch zip checkpoints and their pickle
 * (torch's {@code torch.load} without executing code), fp16/bf16 conversion, and the sha256 of a file. Knows nothing of
 * CLIP: which keys mean what is {@code clip}'s business.
 *
 * <p>May import the JDK and Jackson only. Does not log: it returns values or throws {@link ModelLoadException}, which
 * names the file or tensor.
 */
package io.tagclip.weights;
