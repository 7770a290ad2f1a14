package io.jitflow;

import java.util.ArrayList;
import java.util.List;

/**
 * One item of a NumPy-style index: a position ({@code 2}, {@code -1}), a range ({@code 1:5:2},
 * {@code ::-1}), a new axis ({@code None}) or an ellipsis ({@code ...}). {@link #parse} reads
 * Python's spelling, so {@code x.slice(":, 1:3, None")} means {@code x[:, 1:3, None]}.
 */
public final class Index {
    enum Kind { AT, RANGE, NEW_AXIS, ELLIPSIS }

    final Kind kind;
    final Long start;
    final Long stop;
    final long step;

    private Index(Kind kind, Long start, Long stop, long step) {
        this.kind = kind;
        this.start = start;
        this.stop = stop;
        this.step = step;
    }

    /** A single position, which removes its dim (negative counts from the end). */
    public static Index at(long position) {
        return new Index(Kind.AT, position, null, 1);
    }

    /** {@code start:stop:step}; a null start or stop means "from the beginning" or "to the end". */
    public static Index range(Long start, Long stop, long step) {
        if (step == 0) {
            throw new IllegalArgumentException("slice step cannot be zero");
        }
        return new Index(Kind.RANGE, start, stop, step);
    }

    public static Index range(long start, long stop) {
        return range(start, stop, 1);
    }

    /** {@code :}, the whole dim. */
    public static Index all() {
        return range(null, null, 1);
    }

    /** {@code None} (or {@code newaxis}): a new dim of size 1. */
    public static Index newAxis() {
        return new Index(Kind.NEW_AXIS, null, null, 1);
    }

    /** {@code ...}: as many whole dims as the other items leave. */
    public static Index ellipsis() {
        return new Index(Kind.ELLIPSIS, null, null, 1);
    }

    /** Parses Python's index syntax: comma-separated positions, ranges, {@code None}, {@code ...}. */
    public static List<Index> parse(String spec) {
        List<Index> items = new ArrayList<>();
        if (spec.isBlank()) {
            return items;
        }
        for (String raw : spec.split(",", -1)) {
            String part = raw.strip();
            try {
                items.add(parseItem(part));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad index '" + part + "' in \"" + spec
                        + "\" (expected a position, start:stop:step, None or ...)");
            }
        }
        return items;
    }

    private static Index parseItem(String part) {
        if (part.equals("...")) {
            return ellipsis();
        }
        if (part.equals("None") || part.equals("newaxis")) {
            return newAxis();
        }
        if (!part.contains(":")) {
            return at(Long.parseLong(part));
        }
        String[] fields = part.split(":", -1);
        if (fields.length > 3) {
            throw new NumberFormatException(part);
        }
        Long start = fields[0].isBlank() ? null : Long.parseLong(fields[0].strip());
        Long stop = fields[1].isBlank() ? null : Long.parseLong(fields[1].strip());
        long step = fields.length == 3 && !fields[2].isBlank() ? Long.parseLong(fields[2].strip()) : 1;
        return range(start, stop, step);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case AT -> Long.toString(start);
            case NEW_AXIS -> "None";
            case ELLIPSIS -> "...";
            case RANGE -> (start == null ? "" : start) + ":" + (stop == null ? "" : stop) + (step == 1 ? "" : ":" + step);
        };
    }
}
