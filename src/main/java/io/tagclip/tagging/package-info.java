/**
 * TagCLIP (Lin et al., AAAI 2024, arXiv 2312.12828) as its reference code runs it: coarse patch classification,
 * DMAR attention refinement, class-wise re-identification and tag decisions. Each step is one class with one verb,
 * tensors in and tensors out; every constant is in {@link io.tagclip.tagging.TagClipParams}.
 *
 * <p>May import DJL and the packages below it ({@code image}, {@code preprocess}, {@code batch}, {@code clip},
 * {@code vocab}). No Kafka, Quarkus, CDI or Avro, no logging: methods return values or throw.
 */
package io.tagclip.tagging;
