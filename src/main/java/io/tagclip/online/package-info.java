/**
 * The online half of CDUL on the service side: the loop that reads the samples topic into a window and retrains the
 * head when enough new samples arrived or an operator asked. Kafka in, a {@link io.tagclip.online.SampleLoop.Trainer}
 * out; no Quarkus or CDI (the {@code app} package starts it and serves its HTTP routes).
 *
 * <p>May import every model-side package, {@code serde}, {@code avro} and Kafka's clients.
 */
package io.tagclip.online;
