/**
 * Avro events on Kafka in Confluent's wire format (magic byte {@code 0}, 4-byte big-endian schema id, Avro binary),
 * and a client for the Confluent Schema Registry REST API, so that Confluent's own deserializers and any compatible
 * registry (Confluent, Apicurio's {@code /apis/ccompat/v7}, Karapace, Redpanda) read what this service writes.
 *
 * <p>Entry points: {@link io.tagclip.serde.SpecificAvroSerde} for Kafka Streams and plain clients,
 * {@link io.tagclip.serde.SchemaRegistryClient#create} for the registry ({@code mock://scope} gives an in-memory
 * registry for tests). Every failure is a {@link io.tagclip.serde.SerdeException} naming the topic, subject or id.
 *
 * <p>May import Kafka clients, Avro, Jackson and the JDK; never Quarkus, CDI or DJL.
 */
package io.tagclip.serde;
