/**
 * What a tagger may say: vocabularies (dataset classes, background classes, prompts, per-label thresholds; the
 * built-in VOC 2007 and COCO 2014 ones of the reference and a file format), their content versions, and the text
 * feature table {@code T [K,E]} built from a prompt-ensemble embedder.
 *
 * <p>May import DJL and {@code io.tagclip.clip}; no Kafka, Quarkus, CDI or Avro, no logging.
 */
package io.tagclip.vocab;
