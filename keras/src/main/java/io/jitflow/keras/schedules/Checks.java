package io.jitflow.keras.schedules;

/** Argument checks the schedules share. */
final class Checks {
    private Checks() {
    }

    static void positive(String schedule, String what, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(schedule + ": " + what + " must be > 0, got " + value);
        }
    }
}
