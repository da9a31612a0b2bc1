/**
 * Batching for throughput mode: shape buckets (images resized to a few sizes so that first passes can share a
 * forward) and chunking of CWR crops pooled across images.
 *
 * <p>Plain Java; no Kafka, Quarkus, CDI, Avro or DJL, no logging.
 */
package io.tagclip.batch;
