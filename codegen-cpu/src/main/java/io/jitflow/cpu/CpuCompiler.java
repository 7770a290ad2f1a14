package io.jitflow.cpu;

import io.jitflow.ir.kernel.Kernel;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.runtime.CompiledProgram;
import java.lang.invoke.MethodHandles;
import java.util.List;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.commons.GeneratorAdapter;
import org.objectweb.asm.commons.Method;

/**
 * The CPU backend: a kernel program becomes one class with one static method per kernel and a
 * {@link CompiledProgram#run} that calls them in order. It is loaded as a hidden class, so it is
 * unloaded with the compiled function that holds it.
 */
public final class CpuCompiler {
    private static final Method KERNEL = Method.getMethod("void kernel(Object[], int[])");

    private CpuCompiler() {
    }

    /**
     * Whether compiled code uses the Vector API for float maps: when jdk.incubator.vector is present
     * and {@code -Djitflow.exact=true} (bit-identical to the reference) is not set.
     */
    public static final boolean VECTORIZE = VectorLoopEmitter.AVAILABLE && !Boolean.getBoolean("jitflow.exact");

    /** Generates, loads and instantiates the program's class. */
    public static CompiledProgram compile(KernelProgram program) {
        return compile(program, VECTORIZE);
    }

    public static CompiledProgram compile(KernelProgram program, boolean vectorize) {
        byte[] bytes = generate(program, vectorize);
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup().defineHiddenClass(bytes, true);
            return (CompiledProgram) lookup.lookupClass().getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot load the generated class of @" + program.name(), e);
        }
    }

    /** The class file of a program (for verification and listings in tests). */
    public static byte[] generate(KernelProgram program) {
        return generate(program, VECTORIZE);
    }

    public static byte[] generate(KernelProgram program, boolean vectorize) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        String name = "io/jitflow/cpu/Program";
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SUPER, name, null, "java/lang/Object",
                new String[] {Type.getInternalName(CompiledProgram.class)});
        Method init = Method.getMethod("void <init>()");
        GeneratorAdapter ctor = new GeneratorAdapter(Opcodes.ACC_PUBLIC, init, null, null, cw);
        ctor.loadThis();
        ctor.invokeConstructor(Type.getType(Object.class), init);
        ctor.returnValue();
        ctor.endMethod();
        List<String> symbols = program.symbols();
        List<Kernel> kernels = program.kernels();
        for (int i = 0; i < kernels.size(); i++) {
            GeneratorAdapter g = new GeneratorAdapter(Opcodes.ACC_PRIVATE | Opcodes.ACC_STATIC,
                    new Method(kernelName(i, kernels.get(i)), KERNEL.getDescriptor()), null, null, cw);
            new KernelEmitter(g, symbols, vectorize).emit(kernels.get(i));
            g.endMethod();
        }
        GeneratorAdapter run = new GeneratorAdapter(Opcodes.ACC_PUBLIC, Method.getMethod("void run(Object[], int[])"),
                null, null, cw);
        for (int i = 0; i < kernels.size(); i++) {
            run.loadArg(0);
            run.loadArg(1);
            run.invokeStatic(Type.getObjectType(name), new Method(kernelName(i, kernels.get(i)), KERNEL.getDescriptor()));
        }
        run.returnValue();
        run.endMethod();
        cw.visitEnd();
        return cw.toByteArray();
    }

    /** Kernel methods are named after the first graph value they compute, for readable stack traces. */
    private static String kernelName(int index, Kernel k) {
        String first = k.fused().isEmpty() ? "" : k.fused().get(0).replaceAll("[^A-Za-z0-9_]", "_");
        return "k" + index + "_" + first;
    }
}
