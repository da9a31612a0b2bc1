/**
 * The one seam between the Kafka side and the model side: {@link io.tagclip.pipeline.TaggingPipeline#tag} takes
 * decoded images and returns one result per image, in order. Only the request, the result and the interface live
 * here; the concrete pipelines are in {@code io.tagclip.inference}.
 *
 * <p>May import {@code io.tagclip.image} only; never DJL, Kafka, Quarkus, CDI or the generated Avro classes.
 */
package io.tagclip.pipeline;
