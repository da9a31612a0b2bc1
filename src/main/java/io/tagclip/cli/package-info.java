/**
 * The command line of the same jar: {@code tag} tags image files and prints JSON lines, {@code eval} measures a
 * method on a labelled split. Subcommands are picocli classes listed on {@link io.tagclip.cli.TagclipCommand}; errors
 * end as one {@code tagclip: <message>} line and a non-zero exit code ({@link io.tagclip.cli.Main}).
 *
 * <p>May import picocli, Jackson, {@code pipeline}, {@code clip}, {@code tagclip}, {@code tagclip.eval} and
 * {@code fetch}'s decoder; no Kafka, Quarkus or CDI.
 */
package io.tagclip.cli;
