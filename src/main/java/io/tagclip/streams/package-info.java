/**
 * The Kafka Streams side: {@link io.tagclip.streams.TaggerTopology} reads image references, a
 * {@link io.tagclip.streams.MicroBatchProcessor} buffers them in a changelogged store and flushes batches through
 * a {@link io.tagclip.streams.BatchTagger} (concurrent fetches, then the process-wide
 * {@link io.tagclip.streams.InferenceWorker}), and the results leave as Avro tag events or dead letters.
 *
 * <p>May import Kafka, Avro (including the generated {@code io.tagclip.avro} classes), Micrometer, JBoss Logging,
 * {@code io.tagclip.fetch} and {@code io.tagclip.pipeline}; never DJL, Quarkus or CDI.
 */
package io.tagclip.streams;
