/**
 * The command line of the same jar: {@code serve} (the default) runs the Quarkus service; {@code produce} and
 * {@code consume} publish and read the service's Avro events by hand; {@code tag} tags image files and prints JSON
 * lines; {@code eval} measures a method on a labelled split. Subcommands are picocli classes listed on
 * {@link io.tagclip.cli.TagclipCommand}; errors end as one {@code tagclip: <message>} line and a non-zero exit code
 * ({@link io.tagclip.cli.Main}).
 *
 * <p>May import picocli, Kafka clients, Avro, Jackson, {@code io.tagclip.serde}, {@code io.tagclip.streams}'s topic
 * names, {@code pipeline}, {@code clip}, {@code tagclip}, {@code tagclip.eval} and {@code fetch}'s decoder; the only
 * Quarkus class used is the entry point that starts the service.
 */
package io.tagclip.cli;
