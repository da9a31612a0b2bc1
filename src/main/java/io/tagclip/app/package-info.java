/**
 * Quarkus glue only: the {@code tagger.*} configuration tree, CDI producers that build the plain objects of
 * {@code streams}, {@code fetch} and the pipeline from it, readiness/liveness checks and the metrics registry.
 *
 * <p>May import everything; holds no logic that tests could not exercise without Quarkus.
 */
package io.tagclip.app;
