/**
 * Multi-label evaluation as the TagCLIP reference ({@code classify.py}, {@code utils.compute_AP/compute_F1}) does it:
 * split files ({@code <image_id> <class_idx> ...}), per-class average precision, mAP, and overall F1/P/R at a
 * relative threshold, plus an {@link io.tagclip.eval.Evaluator} that runs any per-image scorer over a split.
 * Segmentation as CLIP-ES's {@code eval_cam.py} scores it: {@link io.tagclip.eval.SegmentationMetrics} over
 * {@link io.tagclip.eval.LabelMap}s (mIoU from one confusion matrix, per-class IoU, pixel accuracy).
 *
 * <p>Pure Java: imports only the JDK (ImageIO reads the label maps). No DJL, Kafka, Quarkus, CDI or generated Avro classes; no logging.
 */
package io.tagclip.eval;
