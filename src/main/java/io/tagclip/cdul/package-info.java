/**
 * CDUL's training and inference stages (Abdelfattah et al., ICCV 2023): a classification head over CLIP's frozen
 * global image embedding, trained on a teacher's pseudo labels with the paper's gradient-alignment refinement of the
 * latent labels, saved as safetensors with a JSON manifest, and scoring images with one global CLIP pass.
 */
package io.tagclip.cdul;
