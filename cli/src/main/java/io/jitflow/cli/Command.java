package io.jitflow.cli;

import java.io.PrintStream;
import java.util.Set;

/** One {@code jitflow} subcommand: its usage line, the options it accepts, and what it does. */
interface Command {
    String name();

    /** The usage line after {@code jitflow NAME}, and a one-line summary. */
    String usage();

    String summary();

    Set<String> valueOptions();

    Set<String> flags();

    /** Runs the command; user errors are thrown as exceptions, bad usage as {@link UsageException}. */
    void run(Arguments args, PrintStream out) throws Exception;
}
