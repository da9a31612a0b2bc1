/**
 * The command line of the same jar: {@code serve} (the default) runs the Quarkus service; {@code produce} and
 * {@code consume} publish and read the service's Avro events by hand. Subcommands are picocli classes listed on
 * {@link io.tagclip.cli.TagclipCommand}.
 *
 * <p>May import picocli, Kafka clients, Avro, Jackson, {@code io.tagclip.serde} and {@code io.tagclip.streams}'s
 * topic names; the only Quarkus class used is the entry point that starts the service.
 */
package io.tagclip.cli;
