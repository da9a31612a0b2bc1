/**
 * Pictures and reports for people, drawn headless: {@link io.tagclip.report.OverlayRenderer} paints an image's tags
 * (boxes, labels and masks) over the image with Java2D, for {@code tagclip tag --overlay} and the service's try-it
 * page; {@link io.tagclip.report.EvaluationPage} writes an evaluation as a self-contained HTML page with its charts
 * (JFreeChart, rendered to PNG), for {@code tagclip eval --report}.
 *
 * <p>May import the model-side packages ({@code image} up to {@code inference}), the JDK (AWT, ImageIO) and
 * JFreeChart; no Kafka, Quarkus, CDI or Avro, no logging. It computes no metric of its own: every number comes from
 * the {@link io.tagclip.eval.MultiLabelMetrics} that {@code eval} prints.
 */
package io.tagclip.report;
