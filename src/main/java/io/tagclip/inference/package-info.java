/**
 * The concrete {@link io.tagclip.pipeline.TaggingPipeline}s and their composition on a loaded CLIP model: TagCLIP in
 * reference and throughput mode, and the baselines, all run by one batch runner that owns request checks, chunking,
 * the one-image retry rule and provenance.
 *
 * <p>May import DJL and every model-side package ({@code image} up to {@code pipeline}); no Kafka, Quarkus, CDI or
 * Avro, no logging.
 */
package io.tagclip.inference;
