/**
 * CLIP image transforms as TagCLIP's reference code applies them: Pillow-exact bicubic resize to multiples of the
 * patch size, [0,1] scaling and OpenAI normalisation, and the bilinear/nearest resizes of the class-wise
 * re-identification crops.
 *
 * <p>Plain Java and DJL arrays only; imports {@code io.tagclip.image}. No Kafka, Quarkus, CDI or
 * Avro, no logging.
 */
package io.tagclip.preprocess;
