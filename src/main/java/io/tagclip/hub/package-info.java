/**
 * Where model files come from (DJL keeps its {@code repository} apart from its model code the same way): a folder or
 * checkpoint file used as it is, or a Hugging Face model id downloaded into the cache layout {@code huggingface_hub}
 * shares, with resumable, verified downloads and progress reports. The result is a {@link io.tagclip.clip.ModelSource}
 * for {@link io.tagclip.clip.ClipLoader}.
 *
 * <p>May import {@code weights}, {@code clip} and the JDK; no Kafka, Quarkus, CDI or Avro, no logging (progress goes
 * to a {@link io.tagclip.hub.DownloadListener}).
 */
package io.tagclip.hub;
