/**
 * Test support shared by the integration tests of every part: {@link io.tagclip.testing.LocalStack}, one real Kafka
 * broker and schema registry per test JVM, started with {@code bin/local-stack}.
 */
package io.tagclip.testing;
