package io.jitflow.cli;

/** The command line itself is wrong: exit code 2 and the usage text. */
final class UsageException extends Exception {
    UsageException(String message) {
        super(message);
    }
}
