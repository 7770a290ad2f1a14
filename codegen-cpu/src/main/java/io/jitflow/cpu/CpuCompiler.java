package io.jitflow.cpu;

import io.jitflow.ir.kernel.Expr;
import io.jitflow.ir.kernel.Kernel;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.runtime.CompiledProgram;
import io.jitflow.runtime.ControlKernel;
import io.jitflow.runtime.FloatTiles;
import io.jitflow.runtime.ProgramExecutable;
import io.jitflow.runtime.KernelProfile;
import io.jitflow.runtime.KernelThreads;
import io.jitflow.runtime.RangeKernels;
import io.jitflow.runtime.RowEpilogue;
import java.lang.invoke.MethodHandles;
import java.util.List;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.commons.GeneratorAdapter;
import org.objectweb.asm.commons.Method;

/**
 * The CPU backend: a kernel program becomes one class with one static method per kernel and a
 * {@link CompiledProgram#run} that calls them in order (those of a {@linkplain RowChains row chain}
 * from their product's epilogue). It is loaded as a hidden class, so it is
 * unloaded with the compiled function that holds it. A control-flow kernel's regions are compiled
 * the same way, each to a class of its own, and handed to the constructor as {@link ControlKernel}s,
 * which {@code run} calls at their kernels' places.
 */
public final class CpuCompiler {
    private static final Method KERNEL = Method.getMethod("void kernel(Object[], int[])");
    private static final Method LOOP_KERNEL = Method.getMethod("void kernel(Object[], int[], int, int)");
    private static final Method PRODUCT_KERNEL = Method.getMethod("void kernel(Object[], int[], "
            + RowEpilogue.class.getName() + ")");
    /** A matmul's: a product kernel's arguments and the program's tiles, if they read its A (else null). */
    private static final Method MATMUL_KERNEL = Method.getMethod("void kernel(Object[], int[], "
            + RowEpilogue.class.getName() + ", " + FloatTiles.class.getName() + ")");
    /** A row chain's product: its rows [from, to), and the tiles. */
    private static final Method ROWS_KERNEL = Method.getMethod("void kernel(Object[], int[], int, int, "
            + FloatTiles.class.getName() + ")");
    private static final Type ROW_EPILOGUE = Type.getType(RowEpilogue.class);
    private static final Type PROGRAMS = Type.getType(CompiledProgram[].class);
    private static final String CONTROLS = "controls";

    private CpuCompiler() {
    }

    /** Generates, loads and instantiates the program's class. */
    public static CompiledProgram compile(KernelProgram program, CpuCodeOptions options) {
        io.jitflow.runtime.VectorApi.warnIfMissing();
        int profile = KernelProfile.enabled() ? KernelProfile.register(program) : NOT_PROFILED;
        byte[] bytes = generate(program, options, "io.jitflow.cpu.Program", profile);
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup().defineHiddenClass(bytes, true);
            return (CompiledProgram) lookup.lookupClass().getDeclaredConstructor(CompiledProgram[].class)
                    .newInstance((Object) controlKernels(program, options));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot load the generated class of @" + program.name(), e);
        }
    }

    /** What the class of {@code program} is constructed with: each control-flow kernel, its regions compiled, in order. */
    private static CompiledProgram[] controlKernels(KernelProgram program, CpuCodeOptions options) {
        List<CompiledProgram> controls = new java.util.ArrayList<>();
        for (Kernel.Control c : program.controlKernels()) {
            List<ProgramExecutable> regions = c.regions().stream().map(r -> new ProgramExecutable(r, compile(r, options)))
                    .toList();
            controls.add(new ControlKernel(c, regions, program.symbols()));
        }
        return controls.toArray(new CompiledProgram[0]);
    }

    /** The class file of a program (for verification and listings in tests). */
    public static byte[] generate(KernelProgram program, CpuCodeOptions options) {
        return generate(program, options, "io.jitflow.cpu.Program");
    }

    /**
     * The class file under a given binary name: ahead-of-time compilation names each function's
     * class, since those classes are defined by name rather than as hidden classes.
     */
    public static byte[] generate(KernelProgram program, CpuCodeOptions options, String className) {
        return generate(program, options, className, NOT_PROFILED);
    }

    /** The profile id of a program whose run() reports nothing to {@link KernelProfile}. */
    public static final int NOT_PROFILED = -1;

    /**
     * The class file, its run() reporting each kernel's time to {@link KernelProfile} as program
     * {@code profile} (an id {@link KernelProfile#register} gave), unless that is {@link #NOT_PROFILED}.
     */
    public static byte[] generate(KernelProgram program, CpuCodeOptions options, String className, int profile) {
        if (program.kernels().size() > MAX_KERNELS) {
            throw new io.jitflow.ir.IrException("@" + program.name() + " lowers to " + program.kernels().size()
                    + " kernels; the CPU backend compiles at most " + MAX_KERNELS + " into one program");
        }
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        String name = className.replace('.', '/');
        java.util.SortedSet<Integer> strides = TileEmitter.strides(program.kernels(), options);
        List<String> interfaces = new java.util.ArrayList<>(List.of(Type.getInternalName(CompiledProgram.class),
                Type.getInternalName(RangeKernels.class)));
        if (!strides.isEmpty()) {
            interfaces.add(Type.getInternalName(FloatTiles.class));
        }
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SUPER, name, null, "java/lang/Object",
                interfaces.toArray(new String[0]));
        cw.visitField(Opcodes.ACC_PRIVATE | Opcodes.ACC_FINAL, CONTROLS, PROGRAMS.getDescriptor(), null, null).visitEnd();
        Method init = new Method("<init>", Type.VOID_TYPE, new Type[] {PROGRAMS});
        GeneratorAdapter ctor = new GeneratorAdapter(Opcodes.ACC_PUBLIC, init, null, null, cw);
        ctor.loadThis();
        ctor.invokeConstructor(Type.getType(Object.class), Method.getMethod("void <init>()"));
        ctor.loadThis();
        ctor.loadArg(0);
        ctor.putField(Type.getObjectType(name), CONTROLS, PROGRAMS);
        ctor.returnValue();
        ctor.endMethod();
        List<String> symbols = program.symbols();
        List<Kernel> kernels = program.kernels();
        int[] chains = RowChains.of(kernels);
        for (int i = 0; i < kernels.size(); i++) {
            if (kernels.get(i) instanceof Kernel.Control) {
                continue;
            }
            Kernel k = kernels.get(i);
            if (chains[i] < 0 && k instanceof Kernel.Matmul m) {
                emitMethod(cw, rowsMethod(i, k), symbols, options, e -> e.emitRows(m));
            } else {
                int axis = k instanceof Kernel.Loop l ? KernelEmitter.splitAxisOf(l) : -1;
                emitMethod(cw, kernelMethod(i, k), symbols, options, e -> e.emit(k, axis));
            }
            Kernel.Loop epilogue = epilogueOf(k);
            if (epilogue != null) {
                emitMethod(cw, epilogueMethod(i, k), symbols, options, e -> e.emit(epilogue, epilogueSplitAxis(k)));
            }
        }
        if (!strides.isEmpty()) {
            TileEmitter.emit(cw, name, strides);
        }
        emitRun(cw, name, kernels, chains, symbols, profile, options);
        emitRunRange(cw, name, kernels, chains, options);
        cw.visitEnd();
        return cw.toByteArray();
    }

    private static void emitMethod(ClassWriter cw, Method method, List<String> symbols, CpuCodeOptions options,
                                   java.util.function.Consumer<KernelEmitter> body) {
        GeneratorAdapter g = new GeneratorAdapter(Opcodes.ACC_PRIVATE | Opcodes.ACC_STATIC, method, null, null, cw);
        body.accept(new KernelEmitter(g, symbols, options));
        g.endMethod();
    }

    /**
     * The axis whose range kernel {@code k}'s epilogue method takes: a rank-2 matmul's output rows,
     * which its product hands each thread; else as for a loop kernel (a convolution tells its
     * epilogue's axis to the runtime, see {@link #pushRowEpilogue}).
     */
    private static int epilogueSplitAxis(Kernel k) {
        return k instanceof Kernel.Matmul && epilogueByRows(k) ? 0 : KernelEmitter.splitAxisOf(epilogueOf(k));
    }

    /**
     * A matmul's or convolution's epilogue (bias, activation, an update) is a map over its output,
     * vectorized like any other; null when there is none. A rank-2 output's matmul runs it on each
     * thread's rows as soon as they are done, a convolution on ranges of images (at a batch of one,
     * of its next axis: see {@link #epilogueSplitAxis} and {@link io.jitflow.runtime.ConvKernels#floating});
     * others run it after the product, split over the threads.
     */
    private static Kernel.Loop epilogueOf(Kernel k) {
        if (k instanceof Kernel.Matmul m && !m.plainEpilogue()) {
            return m.epilogueLoop();
        }
        return k instanceof Kernel.Windowed w && !w.plainEpilogue() ? w.epilogueLoop() : null;
    }

    private static boolean epilogueByRows(Kernel k) {
        return epilogueOf(k) != null && (k instanceof Kernel.Conv || k.output().type().shape().rank() == 2);
    }

    /** Whether the kernel's method takes a {@link RowEpilogue} (NONE when it has no epilogue to run by rows). */
    private static boolean takesRowEpilogue(Kernel k) {
        return k instanceof Kernel.Matmul || k instanceof Kernel.Conv;
    }

    /** A transcendental function (exp, log, tanh, pow, ...) counted as this many plain points. */
    public static final long TRANSCENDENTAL_COST = 16;

    /**
     * What one point of the loop costs, in plain points, when KernelThreads decides whether to split
     * it: a routine call takes 5-10 ns where an add takes under one, so the MNIST MLP's softmax
     * (1,280 float64 exponentials, 10 us on one thread) runs on all threads.
     */
    public static long pointCost(Kernel.Loop l) {
        long[] cost = {1};
        List<Expr> bodies = l instanceof Kernel.Map m ? m.results().stream().map(Kernel.Result::body).toList()
                : List.of(((Kernel.Reduce) l).body());
        for (Expr body : bodies) {
            Expr.forEachNode(body, e -> {
                if (e instanceof Expr.Unary u && u.op().isTranscendental()
                        || e instanceof Expr.Binary b && b.op().isTranscendental()) {
                    cost[0] += TRANSCENDENTAL_COST;
                }
            });
        }
        return cost[0];
    }

    /** The loop that kernel {@code i}'s entry of runRange runs, if any. */
    private static Kernel.Loop rangeLoop(Kernel k) {
        return k instanceof Kernel.Loop l ? l : epilogueOf(k);
    }

    private static Method epilogueMethod(int index, Kernel k) {
        return new Method(kernelMethod(index, k).getName() + "_epilogue", LOOP_KERNEL.getDescriptor());
    }

    /** A product's method in a row chain: its rows [from, to). */
    private static Method rowsMethod(int index, Kernel k) {
        return new Method(kernelMethod(index, k).getName() + "_rows", ROWS_KERNEL.getDescriptor());
    }

    /** The program's tiles for a product that reads its A in place through them (this), or null. */
    private static void pushTiles(GeneratorAdapter g, Kernel k, CpuCodeOptions options) {
        if (TileEmitter.strideOf(k, options) >= 0) {
            g.loadThis();
        } else {
            g.visitInsn(Opcodes.ACONST_NULL);
        }
    }

    /**
     * Whether kernel {@code k} (with {@code chain} kernels in its row chain) runs an epilogue by
     * rows, its own or its chain's: the product's threads run it on their rows.
     */
    private static boolean runsByRows(Kernel k, int chain) {
        return chain > 0 || epilogueByRows(k);
    }

    /** Loop kernels take the range of their outermost coordinate; the others only buffers and sizes. */
    private static Method kernelMethod(int index, Kernel k) {
        String first = k.fused().isEmpty() ? "" : k.fused().get(0).replaceAll("[^A-Za-z0-9_]", "_");
        Method shape = k instanceof Kernel.Loop ? LOOP_KERNEL : k instanceof Kernel.Matmul ? MATMUL_KERNEL
                : takesRowEpilogue(k) ? PRODUCT_KERNEL : KERNEL;
        return new Method("k" + index + "_" + first, shape.getDescriptor());
    }

    /** Kernels one method of run() or runRange() calls: a program of any length keeps each method small. */
    private static final int KERNELS_PER_METHOD = 256;

    /** The most kernels one class holds (its constant pool names each kernel's method). */
    static final int MAX_KERNELS = 8_000;

    /**
     * run(): each kernel in order; loop kernels and matmul epilogues through KernelThreads.split, which
     * may spread them over threads. A long program's run() calls run_0, run_1, ... each for
     * {@link #KERNELS_PER_METHOD} kernels.
     */
    private static void emitRun(ClassWriter cw, String name, List<Kernel> kernels, int[] chains, List<String> symbols,
                                int profile, CpuCodeOptions options) {
        Method runMethod = Method.getMethod("void run(Object[], int[])");
        GeneratorAdapter run = new GeneratorAdapter(Opcodes.ACC_PUBLIC, runMethod, null, null, cw);
        for (int from = 0; from < kernels.size(); from += KERNELS_PER_METHOD) {
            Method part = new Method("run_" + from / KERNELS_PER_METHOD, runMethod.getDescriptor());
            run.loadThis();
            run.loadArgs();
            run.invokeVirtual(Type.getObjectType(name), part);
            GeneratorAdapter g = new GeneratorAdapter(Opcodes.ACC_PRIVATE, part, null, null, cw);
            emitRunPart(g, name, kernels, chains, symbols, from, Math.min(kernels.size(), from + KERNELS_PER_METHOD),
                    profile, options);
        }
        run.returnValue();
        run.endMethod();
    }

    private static void emitRunPart(GeneratorAdapter run, String name, List<Kernel> kernels, int[] chains,
                                    List<String> symbols, int from, int to, int profile, CpuCodeOptions options) {
        KernelScope scope = new KernelScope(run, symbols);
        int start = profile == NOT_PROFILED ? -1 : run.newLocal(Type.LONG_TYPE);
        int control = (int) kernels.subList(0, from).stream().filter(k -> k instanceof Kernel.Control).count();
        for (int i = from; i < to; i++) {
            Kernel k = kernels.get(i);
            if (chains[i] < 0) {
                continue;
            }
            if (k instanceof Kernel.Control) {
                run.loadThis();
                run.getField(Type.getObjectType(name), CONTROLS, PROGRAMS);
                run.push(control++);
                run.arrayLoad(Type.getType(CompiledProgram.class));
                run.loadArg(0);
                run.loadArg(1);
                run.invokeInterface(Type.getType(CompiledProgram.class), Method.getMethod("void run(Object[], int[])"));
                continue;
            }
            if (start >= 0) {
                run.invokeStatic(Type.getType(System.class), Method.getMethod("long nanoTime()"));
                run.storeLocal(start);
            }
            if (!(k instanceof Kernel.Loop)) {
                run.loadArg(0);
                run.loadArg(1);
                if (takesRowEpilogue(k)) {
                    pushRowEpilogue(run, i, k, chains[i]);
                }
                if (k instanceof Kernel.Matmul) {
                    pushTiles(run, k, options);
                }
                run.invokeStatic(Type.getObjectType(name), kernelMethod(i, k));
                if (takesRowEpilogue(k) && runsByRows(k, chains[i])) {
                    run.visitMethodInsn(Opcodes.INVOKESTATIC, ROW_EPILOGUE.getInternalName(), "clear", "()V", true);
                }
            }
            Kernel.Loop l = rangeLoop(k);
            if (l != null && !runsByRows(k, chains[i])) {
                run.loadThis();
                run.push(i);
                run.loadArg(0);
                run.loadArg(1);
                int axis = KernelEmitter.splitAxisOf(l);
                if (axis < 0) {
                    run.push(1);
                } else {
                    scope.pushSize(l.space().dim(axis));
                }
                run.push(pointCost(l));
                for (io.jitflow.ir.Dim d : l.space().dims()) {
                    scope.pushSize(d);
                    run.cast(Type.INT_TYPE, Type.LONG_TYPE);
                    run.math(GeneratorAdapter.MUL, Type.LONG_TYPE);
                }
                run.invokeStatic(Type.getType(KernelThreads.class),
                        Method.getMethod("void split(" + RangeKernels.class.getName() + ", int, Object[], int[], int, long)"));
            }
            if (start >= 0) {
                run.push(profile);
                run.push(i);
                run.loadLocal(start);
                run.loadArg(1);
                run.invokeStatic(Type.getType(KernelProfile.class), Method.getMethod("void record(int, int, long, int[])"));
            }
        }
        run.returnValue();
        run.endMethod();
    }

    /**
     * A matmul's or convolution's epilogue over rows (and its row chain's kernels): RowEpilogue.of(this,
     * i, buffers, sizes, axis), the thread's one, which the code clears after the product; or NONE.
     */
    private static void pushRowEpilogue(GeneratorAdapter run, int i, Kernel k, int chain) {
        if (!runsByRows(k, chain)) {
            run.getStatic(ROW_EPILOGUE, "NONE", ROW_EPILOGUE);
            return;
        }
        run.loadThis();
        run.push(i);
        run.loadArg(0);
        run.loadArg(1);
        run.push(chain > 0 ? 0 : epilogueSplitAxis(k));
        Method of = new Method("of", ROW_EPILOGUE, new Type[] {Type.getType(RangeKernels.class),
                Type.INT_TYPE, Type.getType(Object[].class), Type.getType(int[].class), Type.INT_TYPE});
        run.visitMethodInsn(Opcodes.INVOKESTATIC, ROW_EPILOGUE.getInternalName(), of.getName(), of.getDescriptor(), true);
    }

    /**
     * runRange(kernel, ...): the loop kernel's method with the given range, through runRange_0,
     * runRange_1, ... each for {@link #KERNELS_PER_METHOD} kernels.
     */
    private static void emitRunRange(ClassWriter cw, String name, List<Kernel> kernels, int[] chains,
                                     CpuCodeOptions options) {
        Method runRange = Method.getMethod("void runRange(int, Object[], int[], int, int)");
        GeneratorAdapter dispatch = new GeneratorAdapter(Opcodes.ACC_PUBLIC, runRange, null, null, cw);
        for (int from = 0; from < kernels.size(); from += KERNELS_PER_METHOD) {
            Method part = new Method("runRange_" + from / KERNELS_PER_METHOD, runRange.getDescriptor());
            org.objectweb.asm.Label next = new org.objectweb.asm.Label();
            dispatch.loadArg(0);
            dispatch.push(from + KERNELS_PER_METHOD);
            dispatch.ifICmp(GeneratorAdapter.GE, next);
            dispatch.loadThis();
            dispatch.loadArgs();
            dispatch.invokeVirtual(Type.getObjectType(name), part);
            dispatch.returnValue();
            dispatch.mark(next);
            GeneratorAdapter g = new GeneratorAdapter(Opcodes.ACC_PRIVATE, part, null, null, cw);
            emitRunRangePart(g, name, kernels, chains, from, Math.min(kernels.size(), from + KERNELS_PER_METHOD),
                    options);
        }
        dispatch.returnValue();
        dispatch.endMethod();
    }

    /**
     * Kernel i's entry: its loop or epilogue over the range, then, for the head of a row chain, each
     * kernel of the chain over the same rows.
     */
    private static void emitRunRangePart(GeneratorAdapter g, String name, List<Kernel> kernels, int[] chains, int from,
                                         int to, CpuCodeOptions options) {
        for (int i = from; i < to; i++) {
            Kernel k = kernels.get(i);
            if (chains[i] < 0 || rangeLoop(k) == null && chains[i] == 0) {
                continue;
            }
            org.objectweb.asm.Label next = new org.objectweb.asm.Label();
            g.loadArg(0);
            g.push(i);
            g.ifICmp(GeneratorAdapter.NE, next);
            if (rangeLoop(k) != null) {
                invokeOverRange(g, name, k instanceof Kernel.Loop ? kernelMethod(i, k) : epilogueMethod(i, k));
            }
            for (int j = i + 1; j <= i + chains[i]; j++) {
                Kernel member = kernels.get(j);
                if (member instanceof Kernel.Loop) {
                    invokeOverRange(g, name, kernelMethod(j, member));
                } else {
                    for (int arg = 1; arg <= 4; arg++) {
                        g.loadArg(arg);
                    }
                    pushTiles(g, member, options);
                    g.invokeStatic(Type.getObjectType(name), rowsMethod(j, member));
                }
                if (epilogueOf(member) != null) {
                    invokeOverRange(g, name, epilogueMethod(j, member));
                }
            }
            g.returnValue();
            g.mark(next);
        }
        g.returnValue();
        g.endMethod();
    }

    /** Calls a method of the class taking (buffers, sizes, from, to): runRange's arguments after the kernel's index. */
    private static void invokeOverRange(GeneratorAdapter g, String name, Method method) {
        for (int arg = 1; arg <= 4; arg++) {
            g.loadArg(arg);
        }
        g.invokeStatic(Type.getObjectType(name), method);
    }
}
