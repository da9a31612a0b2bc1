/**
 * Test support shared by the integration tests of every part: {@link io.tagclip.testing.LocalStack}, one real Kafka
 * broker and schema registry per test JVM, started with {@code bin/local-stack}; {@link io.tagclip.testing.S3Server}
 * (s3proxy) and {@link io.tagclip.testing.AzuriteServer} (Azure's emulator), one real object store of each kind per
 * test JVM; {@link io.tagclip.testing.CountingProxy}, which records the requests a client sends to one of them.
 */
package io.tagclip.testing;
