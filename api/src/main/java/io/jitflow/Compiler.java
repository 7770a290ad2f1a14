package io.jitflow;

import io.jitflow.cpu.CpuCompiler;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.passes.PassManager;
import io.jitflow.passes.fusion.KernelLowering;
import io.jitflow.cuda.PtxGenerator;
import io.jitflow.runtime.Device;
import io.jitflow.runtime.ProgramExecutable;
import io.jitflow.runtime.cuda.CudaDevice;
import io.jitflow.runtime.cuda.CudaExecutable;
import io.jitflow.runtime.cuda.DeviceArray;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * From a traced graph to compiled code: the pass pipeline, fusion into kernels, then JVM bytecode
 * for the CPU or PTX for a CUDA device.
 */
final class Compiler {
    private Compiler() {
    }

    /**
     * Runs a compiled graph's single function on its device: inputs elsewhere are copied there,
     * outputs stay there.
     */
    @FunctionalInterface
    interface Executable {
        Map<String, Tensor> run(Map<String, Tensor> inputs, VariableStore variables);
    }

    record Lowered(Graph optimized, KernelProgram program, long optimizeNanos) {
    }

    /** Optimizes the graph and lowers its first function to a kernel program. */
    static Lowered lower(Graph graph) {
        long start = System.nanoTime();
        Graph optimized = optimize(graph);
        long optimizeNanos = System.nanoTime() - start;
        return new Lowered(optimized, lower(optimized, graph.functions().get(0).name()), optimizeNanos);
    }

    /** Generates and loads the program's code for {@code device}. */
    static Executable executable(KernelProgram program, Device device) {
        if (device.isCuda()) {
            CudaDevice gpu = device.cudaDevice();
            PtxGenerator.Module module = PtxGenerator.module(program);
            CudaExecutable code = new CudaExecutable(program, gpu, module.ptx(), module.errors());
            return (inputs, variables) -> {
                Map<String, DeviceArray> arrays = new LinkedHashMap<>();
                inputs.forEach((name, t) -> arrays.put(name, t.deviceArray(gpu)));
                Map<String, Tensor> outputs = new LinkedHashMap<>();
                code.runOnDevice(arrays, variables).forEach((name, a) -> outputs.put(name, new Tensor(a)));
                return outputs;
            };
        }
        ProgramExecutable code = new ProgramExecutable(program, CpuCompiler.compile(program));
        return (inputs, variables) -> {
            Map<String, HostTensor> values = new LinkedHashMap<>();
            inputs.forEach((name, t) -> values.put(name, t.value()));
            Map<String, Tensor> outputs = new LinkedHashMap<>();
            code.run(values, variables).forEach((name, v) -> outputs.put(name, new Tensor(v)));
            return outputs;
        };
    }

    /**
     * The one device that all of {@code operands} are on ({@code cpu} when there are none), or an
     * error naming {@code what} and the devices when they differ.
     */
    static Device placement(String what, java.util.Collection<Tensor> operands) {
        Device device = null;
        for (Tensor t : operands) {
            Device d = t.device();
            if (device != null && !device.equals(d)) {
                throw new IllegalArgumentException(what + ": the arguments are on different devices (" + device + " and "
                        + d + "); copy them to one with toDevice(...) first");
            }
            device = d;
        }
        return device == null ? Device.cpu() : device;
    }

    /** The default pass pipeline (which dumps after the passes {@code -Djitflow.dumpAfter} names). */
    static Graph optimize(Graph graph) {
        return PassManager.defaultPipeline().run(graph);
    }

    /** Fuses an optimized graph's function into a kernel program. */
    static KernelProgram lower(Graph optimized, String function) {
        return KernelLowering.lower(optimized.function(function).orElseThrow(
                () -> new io.jitflow.ir.IrException("the graph has no function @" + function)), optimized.inferenceContext());
    }
}
