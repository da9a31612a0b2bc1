/**
 * Pictures of results, drawn with the JDK's Java2D: {@link io.tagclip.render.OverlayRenderer} paints an image's tags
 * (boxes and labels) over the image, for {@code tagclip tag --overlay} and the service's try-it page.
 *
 * <p>May import {@code image} up to {@code inference} and the JDK (AWT, ImageIO); no Kafka, Quarkus, CDI or Avro, no
 * logging.
 */
package io.tagclip.render;
