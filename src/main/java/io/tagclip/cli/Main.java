package io.tagclip.cli;

import io.quarkus.runtime.annotations.QuarkusMain;
import picocli.CommandLine;

/**
 * Entry point of the jar. Without arguments it serves (runs the stream tagger); otherwise it runs the named
 * subcommand without starting the service.
 */
@QuarkusMain
public final class Main {

    private Main() {}

    public static void main(String... args) {
        String[] effective = args.length == 0 ? new String[] {ServeCommand.NAME} : args;
        int exitCode = new CommandLine(new TagclipCommand()).execute(effective);
        System.exit(exitCode);
    }
}
