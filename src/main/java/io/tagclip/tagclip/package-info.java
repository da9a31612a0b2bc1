/**
 * TagCLIP (Lin et al., AAAI 2024, arXiv 2312.12828) as its reference code runs it: coarse patch classification,
 * DMAR attention refinement, class-wise re-identification, tag decisions, and the vocabularies they run on; also
 * the zero-shot baselines {@code clip-global} ({@link io.tagclip.tagclip.ClipGlobalScorer}) and
 * {@code cdul-global-local} ({@link io.tagclip.tagclip.CdulGlobalLocalScorer}), and, in {@code eval}, the
 * reference's metrics. Each step is one class with one verb, tensors in and tensors out; every constant is in
 * {@link io.tagclip.tagclip.TagClipParams} or {@link io.tagclip.tagclip.CdulParams}.
 *
 * <p>May import DJL, {@code io.tagclip.preprocess} and the value types of {@code io.tagclip.pipeline}. No Kafka,
 * Quarkus, CDI or Avro, no logging: methods return values or throw.
 */
package io.tagclip.tagclip;
