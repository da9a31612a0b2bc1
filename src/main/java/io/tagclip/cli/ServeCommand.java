package io.tagclip.cli;

import io.quarkus.runtime.Quarkus;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Runs the stream tagger until it is stopped; configured by application.properties, -D and environment. */
@Command(
        name = ServeCommand.NAME,
        mixinStandardHelpOptions = true,
        description = "Run the stream tagger service (the default when no command is given).")
final class ServeCommand implements Callable<Integer> {

    static final String NAME = "serve";

    @Override
    public Integer call() {
        Quarkus.run();
        return 0;
    }
}
