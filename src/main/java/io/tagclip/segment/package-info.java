/**
 * Classify, then segment (TagCLIP's CLS-SEG, arXiv 2312.12828): CLIP-ES (arXiv 2212.09506) on an image and its tags.
 * Grad-CAM through the last block, CAA refinement with the attention mean and the box mask, maps at the original
 * size in fp16, the label map by {@code eval_cam.py}'s rule, and masks as COCO RLE. Imports {@code image},
 * {@code preprocess}, {@code clip}, {@code vocab} and {@code tagging} only; no Kafka, Quarkus or Avro; does not log.
 */
package io.tagclip.segment;
