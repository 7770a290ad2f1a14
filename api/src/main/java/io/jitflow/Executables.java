package io.jitflow;

import io.jitflow.compiler.CompileOptions;
import io.jitflow.compiler.CompilerDriver;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.runtime.Device;
import io.jitflow.runtime.Executable;
import io.jitflow.runtime.cuda.CudaExecutable;
import io.jitflow.runtime.cuda.DeviceArray;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Compiled code as the tensor API calls it: through the compiler driver, with tensors in and out. */
final class Executables {
    /** What the api compiles with: the defaults, as system properties set them, read once. */
    static final CompileOptions OPTIONS = CompileOptions.fromSystemProperties();

    private Executables() {
    }

    /**
     * Runs a compiled function on its device: inputs elsewhere are copied there, outputs stay
     * there.
     */
    @FunctionalInterface
    interface TensorCode {
        Map<String, Tensor> run(Map<String, Tensor> inputs, VariableStore variables);

        /** This code called with its inputs by position, the i-th named {@code names.get(i)}. */
        default InOrder inOrder(List<String> names) {
            return (args, variables) -> {
                Map<String, Tensor> inputs = new LinkedHashMap<>();
                for (int i = 0; i < args.length; i++) {
                    inputs.put(names.get(i), args[i]);
                }
                return new java.util.ArrayList<>(run(inputs, variables).values());
            };
        }
    }

    /** Compiled code called with its inputs by position, giving its outputs in order. */
    @FunctionalInterface
    interface InOrder {
        List<Tensor> run(Tensor[] args, VariableStore variables);
    }

    /** The api's driver for {@code device}. */
    static CompilerDriver compiler(Device device) {
        return new CompilerDriver(OPTIONS.withDevice(device));
    }

    /** A traced graph optimized, and its first function lowered, with the time the passes took. */
    record Lowered(Graph optimized, KernelProgram program, long optimizeNanos) {
    }

    static Lowered lower(Graph graph) {
        CompilerDriver compiler = compiler(Device.cpu());
        long start = System.nanoTime();
        Graph optimized = compiler.optimize(graph);
        long optimizeNanos = System.nanoTime() - start;
        return new Lowered(optimized, compiler.lower(optimized, graph.functions().get(0).name()), optimizeNanos);
    }

    /** Generates and loads the program's code for {@code device}. */
    static TensorCode load(KernelProgram program, Device device) {
        return tensors(compiler(device).load(program));
    }

    /** {@code code} with tensors in and out: device arrays on a GPU, host values on the CPU. */
    static TensorCode tensors(Executable code) {
        if (code instanceof CudaExecutable gpu) {
            return (inputs, variables) -> {
                Map<String, DeviceArray> arrays = new LinkedHashMap<>();
                inputs.forEach((name, t) -> arrays.put(name, t.deviceArray(gpu.device())));
                Map<String, Tensor> outputs = new LinkedHashMap<>();
                gpu.runOnDevice(arrays, variables).forEach((name, a) -> outputs.put(name, new Tensor(a)));
                return outputs;
            };
        }
        return new HostCode(code);
    }

    /** Code that runs on the host, with host values in and out. */
    private record HostCode(Executable code) implements TensorCode {
        @Override
        public Map<String, Tensor> run(Map<String, Tensor> inputs, VariableStore variables) {
            Map<String, HostTensor> values = new LinkedHashMap<>();
            inputs.forEach((name, t) -> values.put(name, t.value()));
            Map<String, Tensor> outputs = new LinkedHashMap<>();
            code.run(values, variables).forEach((name, v) -> outputs.put(name, new Tensor(v)));
            return outputs;
        }

        /** A program's run by position without maps by name (a training step's every call). */
        @Override
        public InOrder inOrder(List<String> names) {
            if (!(code instanceof io.jitflow.runtime.ProgramExecutable program)) {
                return TensorCode.super.inOrder(names);
            }
            int[] argOf = positions(program, names);
            return (args, variables) -> {
                HostTensor[] inputs = new HostTensor[argOf.length];
                for (int i = 0; i < argOf.length; i++) {
                    inputs[i] = args[argOf[i]].value();
                }
                return tensorsOf(program.runInOrder(inputs, variables));
            };
        }
    }

    /** Per input of the program, in its order, the position of its name among {@code names}. */
    private static int[] positions(io.jitflow.runtime.ProgramExecutable code, List<String> names) {
        return code.program().inputs().keySet().stream().mapToInt(names::indexOf).toArray();
    }

    /** Host values as tensors, in order. */
    private static List<Tensor> tensorsOf(HostTensor[] values) {
        List<Tensor> tensors = new java.util.ArrayList<>(values.length);
        for (HostTensor h : values) {
            tensors.add(new Tensor(h));
        }
        return tensors;
    }

    /**
     * A static CPU program (an eager op's) run on its operands by position: the program
     * {@link #tensors} would run, without maps of inputs and outputs by name on each call.
     */
    static final class Positional implements TensorCode {
        private final io.jitflow.runtime.ProgramExecutable code;
        private final TensorCode byName;
        /** Per input of the program (an unused operand has none), the operand it takes. */
        private final int[] operandOf;

        Positional(io.jitflow.runtime.ProgramExecutable code, List<String> operandNames) {
            this.code = code;
            this.byName = tensors(code);
            this.operandOf = positions(code, operandNames);
        }

        /** The outputs, in order, for operands of the types the program was compiled for. */
        List<Tensor> run(List<Tensor> operands) {
            HostTensor[] inputs = new HostTensor[operandOf.length];
            for (int i = 0; i < inputs.length; i++) {
                inputs[i] = operands.get(operandOf[i]).value();
            }
            HostTensor[] outputs = code.runStatic(inputs);
            return tensorsOf(outputs);
        }

        @Override
        public Map<String, Tensor> run(Map<String, Tensor> inputs, VariableStore variables) {
            return byName.run(inputs, variables);
        }
    }

    /**
     * The one device that all of {@code operands} are on ({@code cpu} when there are none), or an
     * error naming {@code what} and the devices when they differ.
     */
    static Device placement(String what, List<Tensor> operands) {
        Device device = null;
        for (int i = 0; i < operands.size(); i++) {
            Device d = operands.get(i).device();
            if (device != null && device != d && !device.equals(d)) {
                throw new IllegalArgumentException(what + ": the arguments are on different devices (" + device + " and "
                        + d + "); copy them to one with toDevice(...) first");
            }
            device = d;
        }
        return device == null ? Device.cpu() : device;
    }
}
