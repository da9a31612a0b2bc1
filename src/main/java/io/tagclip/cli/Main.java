package io.tagclip.cli;

import io.quarkus.runtime.annotations.QuarkusMain;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Entry point of the jar. Without arguments it serves (runs the stream tagger); otherwise it runs the named
 * subcommand without starting the service. Errors end as one line {@code tagclip: <message>} on stderr and a
 * non-zero exit code ({@link #EXIT_FAILED} for a failed run, {@link #EXIT_USAGE} for bad arguments);
 * {@code --verbose} adds the stack trace.
 */
@QuarkusMain
public final class Main {

    /** Exit code of a run that failed (bad model, vocabulary or image, or any error while running). */
    public static final int EXIT_FAILED = 1;

    /** Exit code of a command line picocli could not parse (unknown option, missing or malformed value). */
    public static final int EXIT_USAGE = 2;

    private Main() {}

    public static void main(String... args) {
        String[] effective = args.length == 0 ? new String[] {ServeCommand.NAME} : args;
        System.exit(commandLine().execute(effective));
    }

    /** The root command with the error handling of {@link #main}; tests call {@code execute} on it in-process. */
    public static CommandLine commandLine() {
        return commandLine(CommandLine.defaultFactory());
    }

    /** {@link #commandLine()} whose commands and mixins {@code factory} creates. */
    static CommandLine commandLine(CommandLine.IFactory factory) {
        CommandLine cli = new CommandLine(new TagclipCommand(), factory);
        cli.setExecutionExceptionHandler(executionErrors());
        cli.setParameterExceptionHandler(parameterErrors());
        return cli;
    }

    private static IExecutionExceptionHandler executionErrors() {
        return (e, cli, parsed) -> {
            PrintWriter err = cli.getErr();
            err.println("tagclip: " + message(e));
            if (verbose(parsed)) {
                e.printStackTrace(err);
            }
            err.flush();
            return EXIT_FAILED;
        };
    }

    private static IParameterExceptionHandler parameterErrors() {
        return (ParameterException e, String[] args) -> {
            CommandLine cli = e.getCommandLine();
            PrintWriter err = cli.getErr();
            err.println("tagclip: " + e.getMessage());
            err.println("Try '" + cli.getCommandSpec().qualifiedName() + " --help' for more information.");
            err.flush();
            return EXIT_USAGE;
        };
    }

    /** The exception's message, or its type when it has none; wrapped causes are unwrapped first. */
    static String message(Throwable e) {
        Throwable t = e;
        while (t.getMessage() == null && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.getClass().getName();
    }

    private static boolean verbose(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption(TagclipCommand.VERBOSE)) {
                return true;
            }
        }
        return false;
    }
}
