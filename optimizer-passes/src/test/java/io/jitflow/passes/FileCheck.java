package io.jitflow.passes;

import java.util.ArrayList;
import java.util.List;

/**
 * A small FileCheck: directives written as comments in a test file are matched against an output.
 * {@code CHECK: s} finds the next line containing s; {@code CHECK-NEXT: s} requires it on the line
 * right after the previous match; {@code CHECK-NOT: s} forbids s between the previous match and the
 * next one (or the end). Shared with the other modules' golden tests through this module's test jar.
 */
public final class FileCheck {
    private record Directive(String kind, String text, int line) {
    }

    private FileCheck() {
    }

    /** The directives found in {@code source}, each a comment line {@code # KIND: text}. */
    private static List<Directive> directives(String source) {
        List<Directive> result = new ArrayList<>();
        String[] lines = source.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i].strip();
            for (String kind : List.of("CHECK-NEXT", "CHECK-NOT", "CHECK")) {
                String prefix = "# " + kind + ":";
                if (l.startsWith(prefix)) {
                    result.add(new Directive(kind, l.substring(prefix.length()).strip(), i + 1));
                    break;
                }
            }
        }
        return result;
    }

    /** Checks {@code output} against the directives in {@code source}; throws AssertionError naming the directive. */
    public static void check(String source, String output, String name) {
        List<Directive> directives = directives(source);
        if (directives.isEmpty()) {
            throw new AssertionError(name + ": no CHECK directives");
        }
        String[] lines = output.split("\n", -1);
        int position = 0;
        List<Directive> pendingNots = new ArrayList<>();
        int lastMatch = -1;
        for (Directive d : directives) {
            switch (d.kind()) {
                case "CHECK-NOT" -> pendingNots.add(d);
                case "CHECK-NEXT" -> {
                    int next = lastMatch + 1;
                    if (next >= lines.length || !lines[next].contains(d.text())) {
                        throw failure(name, d, "expected on the line after the previous match, found: "
                                + (next < lines.length ? lines[next] : "end of output"), output);
                    }
                    checkNots(pendingNots, lines, position, next, name, output);
                    lastMatch = next;
                    position = next + 1;
                }
                default -> {
                    int found = -1;
                    for (int i = position; i < lines.length; i++) {
                        if (lines[i].contains(d.text())) {
                            found = i;
                            break;
                        }
                    }
                    if (found < 0) {
                        throw failure(name, d, "not found after line " + position + " of the output", output);
                    }
                    checkNots(pendingNots, lines, position, found, name, output);
                    lastMatch = found;
                    position = found + 1;
                }
            }
        }
        checkNots(pendingNots, lines, position, lines.length, name, output);
    }

    private static void checkNots(List<Directive> nots, String[] lines, int from, int to, String name, String output) {
        for (Directive not : nots) {
            for (int i = from; i < to; i++) {
                if (lines[i].contains(not.text())) {
                    throw failure(name, not, "found on output line " + (i + 1) + ": " + lines[i], output);
                }
            }
        }
        nots.clear();
    }

    private static AssertionError failure(String name, Directive d, String what, String output) {
        return new AssertionError(name + ":" + d.line() + ": " + d.kind() + ": " + d.text() + "\n  " + what
                + "\n--- output ---\n" + output);
    }
}
