/**
 * The whole-image baselines TagCLIP is compared with: plain CLIP zero-shot ({@code clip-global},
 * {@link io.tagclip.baseline.ClipGlobalScorer}) and CDUL's global-local aggregation ({@code cdul-global-local},
 * {@link io.tagclip.baseline.CdulGlobalLocalScorer}, constants in {@link io.tagclip.baseline.CdulParams}).
 *
 * <p>May import DJL and the packages below it; no Kafka, Quarkus, CDI or Avro, no logging.
 */
package io.tagclip.baseline;
