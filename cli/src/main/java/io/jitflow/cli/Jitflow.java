package io.jitflow.cli;

import io.jitflow.runtime.cuda.CudaException;
import io.jitflow.runtime.cuda.CudaUnavailableException;
import io.jitflow.ir.IrException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code jitflow} command. Exit codes: 0 success, 1 a user error (the message on stderr, no
 * stack trace unless {@code --verbose}), 2 bad usage.
 */
public final class Jitflow {
    static final int OK = 0;
    static final int USER_ERROR = 1;
    static final int USAGE = 2;

    private static final List<Command> COMMANDS = List.of(new CheckCommand(), new FormatCommand(), new RunCommand(), new OptCommand(),
            new CompileCommand(), new ExecCommand(), new ImportCommand(), new ExportCommand(), new ShowCommand(), new ExampleCommand(), new BenchCommand(), new DemoCommand());

    private Jitflow() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        boolean verbose = Arrays.asList(args).contains("--verbose");
        List<String> rest = Arrays.stream(args).filter(a -> !a.equals("--verbose")).toList();
        if (rest.isEmpty() || rest.get(0).equals("help") || rest.get(0).equals("--help")) {
            (rest.isEmpty() ? err : out).print(usage());
            return rest.isEmpty() ? USAGE : OK;
        }
        Command command = COMMANDS.stream().filter(c -> c.name.equals(rest.get(0))).findFirst().orElse(null);
        if (command == null) {
            err.println("jitflow: unknown command '" + rest.get(0) + "'");
            err.print(usage());
            return USAGE;
        }
        try {
            Arguments arguments = Arguments.parse(rest.subList(1, rest.size()), command.valueOptions, command.flags);
            command.run(arguments, out);
            return OK;
        } catch (UsageException e) {
            err.println("jitflow " + command.name + ": " + e.getMessage());
            err.println("usage: jitflow " + command.name + " " + command.usage);
            return USAGE;
        } catch (Exception e) {
            err.println("jitflow " + command.name + ": error: " + describe(e));
            if (verbose) {
                e.printStackTrace(err);
            }
            return USER_ERROR;
        } catch (OutOfMemoryError e) {
            long heapMiB = Runtime.getRuntime().maxMemory() >> 20;
            err.println("jitflow " + command.name + ": error: out of memory (" + e.getMessage() + ") with a heap of at most "
                    + heapMiB + " MiB; give it more with JITFLOW_JAVA_OPTS=-Xmx" + Math.max(2, 2 * heapMiB >> 10) + "g");
            return USER_ERROR;
        } catch (StackOverflowError e) {
            err.println("jitflow " + command.name + ": error: the input nests too deeply (stack overflow); "
                    + "this is a bug in Jitflow, please report it with the input");
            return USER_ERROR;
        }
    }

    /** A message a user can act on; unexpected exceptions keep their type so they can be reported. */
    private static String describe(Throwable e) {
        if (e instanceof UncheckedIOException u) {
            return describe(u.getCause());
        }
        if (e instanceof NoSuchFileException n) {
            return "no such file: " + n.getFile();
        }
        if (e instanceof java.nio.file.FileSystemException f) {
            return f.getFile() + ": " + reason(f);
        }
        if (e instanceof IrException || e instanceof IOException || e instanceof CudaUnavailableException
                || e instanceof CudaException) {
            return e.getMessage();
        }
        return e + " (this is a bug in Jitflow; rerun with --verbose and report the stack trace)";
    }

    /** What went wrong with a file, in words (the JDK's message is often the path alone). */
    private static String reason(java.nio.file.FileSystemException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        } else if (e instanceof java.nio.file.FileAlreadyExistsException) {
            return "already exists";
        } else if (e instanceof java.nio.file.NotDirectoryException) {
            return "not a directory";
        } else if (e instanceof java.nio.file.DirectoryNotEmptyException) {
            return "directory not empty";
        }
        return e.getReason() != null ? e.getReason() : e.getClass().getSimpleName();
    }

    static String usage() {
        StringBuilder sb = new StringBuilder("usage: jitflow [--verbose] COMMAND ...\n\ncommands:\n");
        for (Command c : COMMANDS) {
            sb.append(String.format("  %-7s %s%n          %s%n", c.name, c.usage, c.summary));
        }
        return sb.toString();
    }
}
