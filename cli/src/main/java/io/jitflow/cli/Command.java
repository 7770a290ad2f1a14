package io.jitflow.cli;

import java.io.PrintStream;
import java.util.Set;

/** One {@code jitflow} subcommand: its usage line, the options it accepts, and what it does. */
abstract class Command {
    final String name;
    /** The usage after {@code jitflow NAME}. */
    final String usage;
    final String summary;
    final Set<String> valueOptions;
    final Set<String> flags;

    Command(String name, String usage, String summary, Set<String> valueOptions, Set<String> flags) {
        this.name = name;
        this.usage = usage;
        this.summary = summary;
        this.valueOptions = valueOptions;
        this.flags = flags;
    }

    /** Runs the command; user errors are thrown as exceptions, bad usage as {@link UsageException}. */
    abstract void run(Arguments args, PrintStream out) throws Exception;
}
