package io.jitflow.runtime;

import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import io.jitflow.ir.kernel.Buffer;
import io.jitflow.ir.kernel.Expr;
import io.jitflow.ir.kernel.Kernel;
import io.jitflow.ir.kernel.KernelProgram;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Where the time goes, kernel by kernel: with profiling on ({@code -Djitflow.profile=true}, or
 * {@link #enable()} before functions are compiled), the CPU backend times every kernel of the
 * programs it compiles from then on, and this keeps each kernel's calls and time, the bytes it
 * touches (each buffer it reads or writes once) and its flops (2 per multiply-add of a matmul or
 * convolution, one per floating-point operation of a loop's body), and the last {@link #MAX_EVENTS}
 * calls as a Chrome trace (chrome://tracing or Perfetto). With the property set, the table is
 * printed to standard error and the trace written to {@code jitflow-profile.json} (or the path in
 * {@code -Djitflow.profile.trace}) when the JVM exits.
 */
public final class KernelProfile {
    /** The most kernel calls the trace keeps (the latest). */
    public static final int MAX_EVENTS = 200_000;

    private static volatile boolean enabled;
    private static final List<Program> PROGRAMS = new ArrayList<>();
    private static final long[][] NO_EVENTS = new long[0][];
    /** Ring of events: program, kernel, start, duration, thread. */
    private static long[][] events = NO_EVENTS;
    private static int nextEvent;
    private static long recorded;

    static {
        if (Boolean.getBoolean("jitflow.profile")) {
            enable();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                System.err.print(table(0, 0));
                try {
                    Path trace = Path.of(System.getProperty("jitflow.profile.trace", "jitflow-profile.json"));
                    writeTrace(trace);
                    System.err.println("jitflow: kernel trace written to " + trace.toAbsolutePath());
                } catch (IOException e) {
                    System.err.println("jitflow: the kernel trace could not be written: " + e.getMessage());
                }
            }));
        }
    }

    /** One compiled program's kernels and their totals so far. */
    private record Program(KernelProgram program, long[] calls, long[] nanos, double[] bytes, double[] flops) {
    }

    private KernelProfile() {
    }

    /** Turns profiling on for the programs compiled from now on. */
    public static synchronized void enable() {
        enabled = true;
        if (events == NO_EVENTS) {
            events = new long[MAX_EVENTS][];
        }
    }

    /** Turns profiling off: programs compiled from now on are not timed, and those compiled before stop recording. */
    public static void disable() {
        enabled = false;
    }

    public static boolean enabled() {
        return enabled;
    }

    /** Forgets every figure so far (programs stay registered and keep recording). */
    public static synchronized void reset() {
        for (Program p : PROGRAMS) {
            java.util.Arrays.fill(p.calls(), 0);
            java.util.Arrays.fill(p.nanos(), 0);
            java.util.Arrays.fill(p.bytes(), 0);
            java.util.Arrays.fill(p.flops(), 0);
        }
        java.util.Arrays.fill(events, null);
        nextEvent = 0;
        recorded = 0;
    }

    /** Registers a program whose generated code records its kernels; the id its code passes to {@link #record}. */
    public static synchronized int register(KernelProgram program) {
        int n = program.kernels().size();
        PROGRAMS.add(new Program(program, new long[n], new long[n], new double[n], new double[n]));
        return PROGRAMS.size() - 1;
    }

    /** Called by generated code after kernel {@code kernel} of program {@code id} ran from {@code start} (nanoTime). */
    public static void record(int id, int kernel, long start, int[] sizes) {
        long duration = System.nanoTime() - start;
        if (!enabled) {
            return;
        }
        Program p;
        synchronized (KernelProfile.class) {
            p = PROGRAMS.get(id);
        }
        Kernel k = p.program().kernels().get(kernel);
        List<String> symbols = p.program().symbols();
        double bytes = bytes(k, symbols, sizes);
        double flops = flops(k, symbols, sizes);
        synchronized (KernelProfile.class) {
            p.calls()[kernel]++;
            p.nanos()[kernel] += duration;
            p.bytes()[kernel] += bytes;
            p.flops()[kernel] += flops;
            events[nextEvent] = new long[] {id, kernel, start, duration, Thread.currentThread().getId()};
            nextEvent = (nextEvent + 1) % MAX_EVENTS;
            recorded++;
        }
    }

    private static long elements(Shape shape, List<String> symbols, int[] sizes) {
        long n = 1;
        for (Dim d : shape.dims()) {
            n *= d.isStatic() ? d.size() : sizes[symbols.indexOf(d.toString())];
        }
        return n;
    }

    /** The bytes a call touches: each buffer it reads or writes, once. */
    private static double bytes(Kernel k, List<String> symbols, int[] sizes) {
        double total = 0;
        java.util.Set<Buffer> touched = new java.util.HashSet<>(k.reads());
        touched.addAll(k.outputs());
        for (Buffer b : touched) {
            total += (double) elements(b.type().shape(), symbols, sizes) * b.type().dtype().byteSize();
        }
        return total;
    }

    /** The flops of a call: 2 per multiply-add of a matmul or convolution; per point of a loop, its body's floating operations. */
    private static double flops(Kernel k, List<String> symbols, int[] sizes) {
        if (k instanceof Kernel.Matmul m) {
            List<Dim> a = m.a().type().shape().dims();
            Dim inner = a.get(m.transposeA() ? a.size() - 2 : a.size() - 1);
            long depth = inner.isStatic() ? inner.size() : sizes[symbols.indexOf(inner.toString())];
            return 2.0 * elements(m.output().type().shape(), symbols, sizes) * depth;
        }
        if (k instanceof Kernel.Conv c) {
            return 2.0 * elements(c.loop().space(), symbols, sizes);
        }
        if (k instanceof Kernel.Depthwise d) {
            return 2.0 * elements(d.loop().space(), symbols, sizes);
        }
        if (k instanceof Kernel.Pool p) {
            return elements(p.loop().space(), symbols, sizes);
        }
        if (k instanceof Kernel.PoolArgmax p) {
            return elements(p.loop().space(), symbols, sizes);
        }
        if (k instanceof Kernel.PoolGrad p) {
            return 0;
        }
        if (k instanceof Kernel.Reduce r) {
            return (double) elements(r.space(), symbols, sizes) * (operations(r.body()) + 1);
        }
        if (k instanceof Kernel.Map m) {
            return (double) elements(m.space(), symbols, sizes) * m.results().stream().mapToInt(res -> operations(res.body()))
                    .sum();
        }
        if (k instanceof Kernel.ScatterAdd s) {
            return elements(s.updates().type().shape(), symbols, sizes);
        }
        return 0;
    }

    /** Floating-point operations in an expression (index arithmetic, loads, selects and casts are free). */
    private static int operations(Expr e) {
        if (e instanceof Expr.Unary u) {
            return (u.dtype().isFloating() ? 1 : 0) + operations(u.x());
        }
        if (e instanceof Expr.Binary b) {
            return (b.dtype().isFloating() ? 1 : 0) + operations(b.a()) + operations(b.b());
        }
        if (e instanceof Expr.Select s) {
            return operations(s.cond()) + operations(s.a()) + operations(s.b());
        }
        if (e instanceof Expr.Cast c) {
            return operations(c.x());
        }
        if (e instanceof Expr.Check c) {
            return operations(c.value());
        }
        return 0;
    }

    /** One kernel's totals, for the table. */
    private record Row(String program, int kernel, String nodes, long calls, long nanos, double bytes, double flops) {
    }

    /**
     * The table, slowest kernel first: calls, time per call and in all, bytes and flops per call,
     * their rates, and (given the machine's roofs, else 0) the fraction of the roof the kernel
     * reaches, the roof being the lower of memory bandwidth x intensity and the FMA peak.
     */
    public static synchronized String table(double peakGflops, double bandwidthGbs) {
        List<Row> rows = new ArrayList<>();
        long total = 0;
        for (Program p : PROGRAMS) {
            for (int k = 0; k < p.calls().length; k++) {
                if (p.calls()[k] > 0) {
                    Kernel kernel = p.program().kernels().get(k);
                    List<String> fused = kernel.fused();
                    rows.add(new Row(p.program().name(), k, kernel.getClass().getSimpleName().toLowerCase(Locale.ROOT) + " "
                            + String.join(",", fused.subList(0, Math.min(3, fused.size()))) + (fused.size() > 3 ? ",..." : ""),
                            p.calls()[k], p.nanos()[k], p.bytes()[k], p.flops()[k]));
                    total += p.nanos()[k];
                }
            }
        }
        rows.sort(Comparator.comparingLong(Row::nanos).reversed());
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-28s %-34s %8s %10s %7s %10s %11s %8s %9s %s%n",
                "program", "kernel (kind, fused nodes)", "calls", "us/call", "time %", "KB/call", "MFLOP/call", "GB/s",
                "GFLOP/s", peakGflops > 0 ? "of roof" : ""));
        for (Row r : rows) {
            double seconds = r.nanos() / 1e9;
            double roof = peakGflops > 0 ? Math.min(peakGflops, bandwidthGbs * r.flops() / Math.max(r.bytes(), 1)) : 0;
            double gflops = r.flops() / seconds / 1e9;
            out.append(String.format(Locale.ROOT, "%-28s %-34s %8d %10.1f %6.1f%% %10.1f %11.3f %8.2f %9.2f %s%n",
                    clip(r.program(), 28), clip("k" + r.kernel() + " " + r.nodes(), 34), r.calls(),
                    r.nanos() / 1e3 / r.calls(), 100.0 * r.nanos() / Math.max(total, 1), r.bytes() / r.calls() / 1e3,
                    r.flops() / r.calls() / 1e6, r.bytes() / seconds / 1e9, gflops,
                    roof > 0 ? String.format(Locale.ROOT, "%.0f%%", 100 * rooflineFraction(r, seconds, peakGflops,
                            bandwidthGbs)) : ""));
        }
        return out.append(String.format(Locale.ROOT, "total %.3f ms in %d kernel calls%n", total / 1e6,
                rows.stream().mapToLong(Row::calls).sum())).toString();
    }

    /** The time the roofline allows for the kernel's bytes and flops, over the time it took. */
    private static double rooflineFraction(Row r, double seconds, double peakGflops, double bandwidthGbs) {
        double best = Math.max(r.flops() / (peakGflops * 1e9), r.bytes() / (bandwidthGbs * 1e9));
        return best / seconds;
    }

    private static String clip(String s, int width) {
        return s.length() <= width ? s : s.substring(0, width - 1) + "~";
    }

    /** Writes the kept calls as a Chrome trace: one complete event per kernel call, by thread. */
    public static synchronized void writeTrace(Path file) throws IOException {
        List<long[]> kept = new ArrayList<>();
        for (long[] e : events) {
            if (e != null) {
                kept.add(e);
            }
        }
        kept.sort(Comparator.comparingLong(e -> e[2]));
        long origin = kept.isEmpty() ? 0 : kept.get(0)[2];
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("{\"displayTimeUnit\": \"ms\", \"traceEvents\": [");
            for (int i = 0; i < kept.size(); i++) {
                long[] e = kept.get(i);
                Program p = PROGRAMS.get((int) e[0]);
                Kernel k = p.program().kernels().get((int) e[1]);
                w.write(String.format(Locale.ROOT, "%s%n{\"name\": \"%s k%d\", \"cat\": \"%s\", \"ph\": \"X\", \"ts\": %.3f,"
                        + " \"dur\": %.3f, \"pid\": 1, \"tid\": %d, \"args\": {\"fused\": \"%s\"}}", i == 0 ? "" : ",",
                        escape(p.program().name()), e[1], k.getClass().getSimpleName(), (e[2] - origin) / 1e3, e[3] / 1e3,
                        e[4], escape(String.join(", ", k.fused()))));
            }
            w.write("\n]}\n");
        }
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** How many kernel calls have been recorded since the last reset. */
    public static synchronized long recordedCalls() {
        return recorded;
    }
}
