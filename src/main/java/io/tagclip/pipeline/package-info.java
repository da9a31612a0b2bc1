/**
 * The one seam between the Kafka side and the model side: {@link io.tagclip.pipeline.TaggingPipeline#tag}
 * takes decoded images and returns one result per image, in order.
 *
 * <p>May import {@code preprocess}, {@code batch}, {@code clip} and {@code tagclip}; never Kafka, Quarkus, CDI or
 * the generated Avro classes.
 */
package io.tagclip.pipeline;
