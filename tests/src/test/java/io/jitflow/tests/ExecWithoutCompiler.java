package io.jitflow.tests;

import io.jitflow.ir.HostTensor;
import io.jitflow.ir.npy.Npy;
import io.jitflow.runtime.aot.AotModule;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Run by {@link AheadOfTimeTest} in a JVM whose class path holds only runtime, graph-ir and the
 * test classes: first proves that no compiler class can be found, then runs function {@code args[1]}
 * of jar {@code args[0]} on {@code NAME=PATH.npy} inputs and writes NAME.npy outputs into {@code args[2]}.
 */
public final class ExecWithoutCompiler {
    static final List<String> COMPILER_CLASSES = List.of("org.objectweb.asm.ClassWriter", "org.antlr.v4.runtime.Lexer",
            "io.jitflow.cpu.CpuCompiler", "io.jitflow.passes.PassManager", "io.jitflow.text.GraphParser", "io.jitflow.Jit");

    private ExecWithoutCompiler() {
    }

    public static void main(String[] args) throws Exception {
        for (String name : COMPILER_CLASSES) {
            try {
                Class.forName(name);
                throw new AssertionError(name + " is on the class path");
            } catch (ClassNotFoundException expected) {
                System.out.println("absent: " + name);
            }
        }
        AotModule module = AotModule.load(Path.of(args[0]));
        Map<String, HostTensor> inputs = new LinkedHashMap<>();
        for (int i = 3; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            inputs.put(kv[0], Npy.read(Path.of(kv[1])));
        }
        for (Map.Entry<String, HostTensor> e : module.call(args[1], inputs).entrySet()) {
            Npy.write(e.getValue(), Path.of(args[2]).resolve(e.getKey() + ".npy"));
        }
    }
}
