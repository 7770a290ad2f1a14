package io.jitflow.ir.kernel;

import java.util.List;
import java.util.Map;

/**
 * What backends compile: buffers and the kernels that fill them, in order, plus how the function's
 * inputs, outputs and variables bind to buffers. Produced by fusion (optimizer-passes) and the only
 * thing backends see.
 */
public record KernelProgram(String name, List<Buffer> buffers, List<Kernel> kernels, Map<String, Buffer> inputs,
                            Map<String, Buffer> outputs, Map<String, Buffer> variableReads,
                            Map<String, Buffer> variableWrites) {
    public KernelProgram {
        buffers = List.copyOf(buffers);
        kernels = List.copyOf(kernels);
        inputs = ordered(inputs);
        outputs = ordered(outputs);
        variableReads = ordered(variableReads);
        variableWrites = ordered(variableWrites);
    }

    /** This program with other kernels (over the same buffers). */
    public KernelProgram withKernels(List<Kernel> newKernels) {
        return new KernelProgram(name, buffers, newKernels, inputs, outputs, variableReads, variableWrites);
    }

    /**
     * {@code stage} applied to this program after it has been applied to every region program inside
     * it (of its control-flow kernels, at any depth): how the kernel stages reach regions.
     */
    public KernelProgram throughRegions(java.util.function.UnaryOperator<KernelProgram> stage) {
        List<Kernel> inner = kernels.stream().map(k -> k instanceof Kernel.Control c
                ? c.withRegions(r -> r.throughRegions(stage)) : k).toList();
        return stage.apply(withKernels(inner));
    }

    /** The kernels that are control-flow ops (cond, while, scan), in order. */
    public List<Kernel.Control> controlKernels() {
        return kernels.stream().filter(k -> k instanceof Kernel.Control).map(k -> (Kernel.Control) k).toList();
    }

    private static Map<String, Buffer> ordered(Map<String, Buffer> map) {
        return java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(map));
    }

    /**
     * The symbolic dim names the buffers use, in a fixed order: the index of each is its slot in the
     * sizes array compiled code receives.
     */
    public java.util.List<String> symbols() {
        java.util.TreeSet<String> names = new java.util.TreeSet<>();
        for (Buffer b : buffers) {
            for (io.jitflow.ir.Dim d : b.type().shape().dims()) {
                if (!d.isStatic()) {
                    names.add(d.toString());
                }
            }
        }
        return java.util.List.copyOf(names);
    }

    /**
     * The storage a run hands back (of its outputs and assigned variables, through any views): a
     * backend may neither share nor reuse it across runs.
     */
    public java.util.Set<Buffer> escapingStorage() {
        java.util.Set<Buffer> escaping = new java.util.HashSet<>();
        outputs.values().forEach(b -> escaping.add(b.storage()));
        variableWrites.values().forEach(b -> escaping.add(b.storage()));
        return escaping;
    }

    /** A readable listing: buffers, then each kernel with the nodes it fuses and its expression. */
    @Override
    public String toString() {
        return KernelPrinter.print(this);
    }
}
