package io.tagclip.cli;

import picocli.CommandLine.Command;

/** The root command; add a subcommand by listing its class here. */
@Command(
        name = "tagclip",
        mixinStandardHelpOptions = true,
        versionProvider = TagclipCommand.Version.class,
        description = "TagCLIP stream tagger: run the service, or publish and read its events.",
        subcommands = {ServeCommand.class, ProduceCommand.class, ConsumeCommand.class})
public final class TagclipCommand {

    /** Reports the jar's version from its manifest. */
    static final class Version implements picocli.CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = TagclipCommand.class.getPackage().getImplementationVersion();
            return new String[] {"tagclip " + (version == null ? "(development build)" : version)};
        }
    }
}
