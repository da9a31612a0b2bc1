/**
 * Reports for people: {@link io.tagclip.report.EvaluationPage} writes an evaluation as a self-contained HTML page
 * with its charts (JFreeChart, rendered headless to PNG), for {@code tagclip eval --report}.
 *
 * <p>May import the model-side packages ({@code image} up to {@code render}), the JDK and JFreeChart; no Kafka,
 * Quarkus, CDI or Avro, no logging. It computes no metric of its own: every number comes from the
 * {@link io.tagclip.eval.MultiLabelMetrics} that {@code eval} prints.
 */
package io.tagclip.report;
