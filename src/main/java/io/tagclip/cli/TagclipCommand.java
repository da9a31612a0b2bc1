package io.tagclip.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The root command; add a subcommand by listing its class here. */
@Command(
        name = "tagclip",
        mixinStandardHelpOptions = true,
        versionProvider = TagclipCommand.Version.class,
        description = "TagCLIP stream tagger: run the service, publish and read its events, tag image files, "
                + "evaluate on a labelled split, train a CDUL head.",
        subcommands = {
            ServeCommand.class,
            ProduceCommand.class,
            ConsumeCommand.class,
            TagCommand.class,
            EvalCommand.class,
            EvalSegCommand.class,
            TrainCommand.class,
            VocabCommand.class
        })
public final class TagclipCommand {

    /** Name of the option that makes errors print their stack trace. */
    static final String VERBOSE = "--verbose";

    @Option(
            names = VERBOSE,
            scope = ScopeType.INHERIT,
            description = "On error, print the stack trace as well as the message.")
    boolean verbose;

    /** Reports the project version the build wrote into {@code version.properties}. */
    static final class Version implements picocli.CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties build = new Properties();
            try (InputStream in = TagclipCommand.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    build.load(in);
                }
            }
            return new String[] {"tagclip " + build.getProperty("version", "(unknown version)")};
        }
    }
}
