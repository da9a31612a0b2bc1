/**
 * State every instance of the service shares through compacted Kafka topics: the vocabularies the fleet may tag with
 * ({@link io.tagclip.fleet.TopicFollower} reads the topic, {@link io.tagclip.fleet.VocabularyFleet} embeds each
 * vocabulary in the background and tells the stream whether an event's vocabulary can be tagged now). Imports only
 * {@code vocab}, {@code pipeline}, {@code serde} and {@code avro} of the project; Quarkus wiring lives in {@code app}.
 */
package io.tagclip.fleet;
