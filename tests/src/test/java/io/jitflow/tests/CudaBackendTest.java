package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.Jf;
import io.jitflow.Jit;
import io.jitflow.JitFunction;
import io.jitflow.Tensor;
import io.jitflow.cuda.PtxGenerator;
import io.jitflow.ir.EvaluationException;
import io.jitflow.ir.Function;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.Interpreter;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.runtime.Device;
import io.jitflow.runtime.cuda.Cuda;
import io.jitflow.runtime.cuda.CudaException;
import io.jitflow.runtime.cuda.CudaExecutable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The CUDA backend on a real GPU, where one is present (skipped elsewhere; the PTX interpreter
 * checks the same kernels in CI): every supported case bit for bit against the reference
 * interpreter, eager ops and traced functions on CUDA tensors (the reference's bits, which the
 * CPU's default mode gives within rounding), and the driver's JIT log on bad PTX.
 */
@EnabledIf("gpuPresent")
class CudaBackendTest {
    static boolean gpuPresent() {
        return Cuda.isAvailable();
    }

    private static Map<String, HostTensor> runOnGpu(Function f, InferenceContext context, Map<String, HostTensor> inputs,
                                                    VariableStore variables) {
        return runOnGpu(f, context, inputs, variables, true);
    }

    private static Map<String, HostTensor> runDefaultModeOnGpu(Function f, InferenceContext context,
                                                               Map<String, HostTensor> inputs, VariableStore variables) {
        return runOnGpu(f, context, inputs, variables, false);
    }

    private static Map<String, HostTensor> runOnGpu(Function f, InferenceContext context, Map<String, HostTensor> inputs,
                                                    VariableStore variables, boolean exact) {
        KernelProgram program = Compiled.lower(f, context);
        return new CudaExecutable(program, PtxGenerator.module(program, io.jitflow.cuda.PtxTarget.DEFAULT, exact),
                Cuda.device(0)).run(inputs, variables);
    }

    @Test
    void everySupportedCaseMatchesTheReferenceOnTheGpu() {
        List<PtxCases.PtxCase> cases = PtxCases.all().supported();
        for (PtxCases.PtxCase c : cases) {
            Differential.check(c.graph(), c.function(), c.inputs(), c.name() + " on " + Cuda.device(0),
                    CudaBackendTest::runOnGpu, PtxCases.tolerance(c.program()));
        }
        assertTrue(cases.size() >= 160, "only " + cases.size() + " cases ran");
    }

    @Test
    void registerTiledProductsMatchTheReferenceOnTheGpu() {
        for (Function f : PtxDifferentialTest.registerTiledProducts()) {
            Differential.check(io.jitflow.ir.Graph.of(List.of(), List.of(f)), f,
                    PtxDifferentialTest.randomInputs(f, new java.util.Random(f.name().hashCode())),
                    f.name() + " on " + Cuda.device(0), CudaBackendTest::runOnGpu);
        }
    }

    /** Outside exact mode (the default), float32 products sum in float32 with FMAs, within rounding of the reference. */
    @Test
    void fastProductsOnTheGpuAreWithinRoundingOfTheReference() {
        for (Function f : PtxDifferentialTest.fastProducts()) {
            Differential.check(io.jitflow.ir.Graph.of(List.of(), List.of(f)), f,
                    PtxDifferentialTest.randomInputs(f, new java.util.Random(7)), f.name() + " fast on " + Cuda.device(0),
                    CudaBackendTest::runDefaultModeOnGpu, PtxDifferentialTest.FAST_PRODUCTS);
        }
    }

    @Test
    void aKernelErrorIsThrownAsOnTheCpu() {
        Function f = PtxDifferentialTest.integerFloorDiv();
        EvaluationException e = assertThrows(EvaluationException.class, () -> runOnGpu(f, InferenceContext.NO_VARIABLES,
                Map.of("x", HostTensor.of(new int[] {1, 2, 3}, 3), "y", HostTensor.of(new int[] {1, 0, 1}, 3)),
                new VariableStore()));
        assertEquals("floor_div: integer division by zero", e.getMessage());
    }

    /**
     * The reference interpreter's result for {@code f} traced on {@code args}: the bits the CUDA
     * backend gives (its sums run in the reference's order with separately rounded products), while
     * the CPU's default mode rounds differently (fused multiply-adds, blocked sums) and is held to
     * {@link #CPU_ROUNDING} of it.
     */
    private static HostTensor reference(JitFunction f, Tensor... args) {
        io.jitflow.ir.Graph graph = f.tracedGraph(args);
        Function function = graph.functions().get(0);
        Map<String, HostTensor> inputs = new java.util.LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            inputs.put(function.inputs().get(i).name(), args[i].toHostTensor());
        }
        return Interpreter.run(function, inputs, VariableStore.initialValues(graph)).values().iterator().next();
    }

    private static final Differential.Tolerance CPU_ROUNDING = new Differential.Tolerance(0, 1e-6);

    @Test
    void eagerOpsOnCudaTensorsRunThereAndMatchTheReference() {
        Device gpu = Device.cuda(0);
        Tensor a = Jf.randomUniform(new int[] {300, 200}, -1, 1, 1, io.jitflow.ir.DType.FLOAT32).toDevice(gpu);
        Tensor b = Jf.randomUniform(new int[] {200, 100}, -1, 1, 2, io.jitflow.ir.DType.FLOAT32).toDevice(gpu);
        Tensor c = Jf.matmul(a, b).add(Jf.constant(1f)).relu().sum(1);
        assertEquals(gpu, c.device());
        Tensor onCpu = Jf.matmul(a.toDevice(Device.cpu()), b.toDevice(Device.cpu())).add(Jf.constant(1f)).relu().sum(1);
        assertEquals(Device.cpu(), onCpu.device());
        HostTensor expected = reference(Jit.function((x, y) -> Jf.matmul(x, y).add(Jf.constant(1f)).relu().sum(1)),
                a.toDevice(Device.cpu()), b.toDevice(Device.cpu()));
        Differential.assertSame(expected, c.toHostTensor(), "eager on cuda:0");
        Differential.assertSame(expected, onCpu.toHostTensor(), "eager on the cpu", CPU_ROUNDING);
        IllegalArgumentException mixed = assertThrows(IllegalArgumentException.class, () -> a.add(a.toDevice(Device.cpu())));
        assertEquals("add: the arguments are on different devices (cuda:0 and cpu); copy them to one with toDevice(...) "
                + "first", mixed.getMessage());
    }

    @Test
    void aTracedFunctionRunsOnTheDeviceOfItsArguments() {
        JitFunction f = Jit.function((x, w) -> Jf.reduceMax(Jf.relu(Jf.matmul(x, w)), 1));
        Tensor x = Jf.randomNormal(new int[] {64, 32}, 0, 1, 3, io.jitflow.ir.DType.FLOAT32);
        Tensor w = Jf.randomNormal(new int[] {32, 16}, 0, 1, 4, io.jitflow.ir.DType.FLOAT32);
        Tensor onCpu = f.call(x, w);
        Tensor onGpu = f.call(x.toDevice(Device.cuda(0)), w.toDevice(Device.cuda(0)));
        assertEquals(Device.cuda(0), onGpu.device());
        assertEquals(1, f.traceCount());
        HostTensor expected = reference(f, x, w);
        Differential.assertSame(expected, onGpu.toHostTensor(), "traced on cuda:0");
        Differential.assertSame(expected, onCpu.toHostTensor(), "traced on the cpu", CPU_ROUNDING);
    }

    @Test
    void anAotJarRunsOnTheGpuAsOnTheCpu(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path jar = dir.resolve("mlp.jar");
        java.nio.file.Path source = Repository.examples().resolve("graphs/mlp.jfg");
        io.jitflow.ir.Graph graph = io.jitflow.text.GraphFiles.read(source);
        io.jitflow.compiler.AheadOfTime.compile(source, jar,
                io.jitflow.compiler.AheadOfTime.Target.ALL, Compiled.OPTIONS);
        io.jitflow.runtime.aot.AotModule cpu = io.jitflow.runtime.aot.AotModule.load(jar);
        io.jitflow.runtime.aot.AotModule gpu = io.jitflow.runtime.aot.AotModule.load(jar, Device.cuda(0));
        for (String name : cpu.functionNames()) {
            Map<String, HostTensor> inputs = new java.util.LinkedHashMap<>();
            java.util.Random random = new java.util.Random(name.hashCode());
            cpu.inputs(name).forEach((input, type) -> inputs.put(input, RandomTensors.of(type.dtype(),
                    type.shape().dims().stream().mapToInt(d -> d.isStatic() ? d.size() : 7).toArray(), random, -2, 2, false)));
            Map<String, HostTensor> expected = Interpreter.run(graph, name, inputs, VariableStore.initialValues(graph));
            Map<String, HostTensor> onCpu = cpu.call(name, inputs);
            Map<String, HostTensor> onGpu = gpu.call(name, inputs);
            expected.forEach((output, e) -> {
                Differential.assertSame(e, onGpu.get(output), "mlp.jfg @" + name + " " + output + " on cuda:0",
                        PtxCases.MATH_LIBRARY);
                Differential.assertSame(e, onCpu.get(output), "mlp.jfg @" + name + " " + output + " on the cpu",
                        CPU_ROUNDING);
            });
        }
    }

    /** Variables a step assigns stay consistent across steps (the device keeps the copies it wrote). */
    @Test
    void trainingStepsOnTheGpuUpdateVariablesAsOnTheCpu() {
        float[][] losses = new float[2][];
        float[][] weights = new float[2][];
        for (Device device : List.of(Device.cpu(), Device.cuda(0))) {
            io.jitflow.Variable w = new io.jitflow.Variable(Jf.zeros(3, 1), "w", true);
            JitFunction step = Jit.function("step", a -> {
                try (io.jitflow.GradientTape tape = new io.jitflow.GradientTape()) {
                    Tensor loss = Jf.reduceMean(Jf.square(Jf.matmul(a.get(0), w).sub(a.get(1))));
                    w.assignSub(tape.gradient(loss, List.of(w)).get(0).mul(0.1));
                    return List.of(loss);
                }
            });
            Tensor x = Jf.randomNormal(new int[] {32, 3}, 0, 1, 5, io.jitflow.ir.DType.FLOAT32).toDevice(device);
            Tensor y = Jf.randomNormal(new int[] {32, 1}, 0, 1, 6, io.jitflow.ir.DType.FLOAT32).toDevice(device);
            int d = device.isCuda() ? 1 : 0;
            losses[d] = new float[5];
            for (int i = 0; i < 5; i++) {
                losses[d][i] = step.callAll(x, y).get(0).floatValue();
            }
            weights[d] = w.asTensor().toFloatArray();
        }
        assertArrayEquals(losses[0], losses[1], 1e-6f);
        assertArrayEquals(weights[0], weights[1], 1e-6f);
    }

    /** Keras fit, evaluate and predict on data in GPU memory run there and learn as on the CPU. */
    @Test
    void kerasFitsOnTheGpu() throws java.io.IOException {
        io.jitflow.data.Mnist data = io.jitflow.data.Mnist.load(Repository.examples().resolve("data/mnist-10k"));
        Tensor x = Jf.gather(data.trainImages(), Jf.range(0, 2048, 1), 0).toDevice(Device.cuda(0));
        Tensor y = Jf.gather(data.trainLabels(), Jf.range(0, 2048, 1), 0).toDevice(Device.cuda(0));
        Jf.setRandomSeed(5);
        io.jitflow.keras.Sequential model = new io.jitflow.keras.Sequential(new io.jitflow.keras.layers.Input(28, 28),
                new io.jitflow.keras.layers.Flatten(), new io.jitflow.keras.layers.Dense(64, "relu"),
                new io.jitflow.keras.layers.Dense(10, "softmax"));
        model.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        model.fit(x, y, io.jitflow.keras.FitOptions.epochs(3).batchSize(32).verbose(0));
        assertTrue(model.evaluate(x, y).get("accuracy") > 0.85, "accuracy on the training data");
        assertEquals(Device.cuda(0), model.predict(x).device());
    }

    /**
     * A Keras convnet and an LSTM (over the digits' rows) train on the GPU as on the CPU: the same
     * seeds give the same epoch losses within float32 rounding of different summation orders.
     */
    @Test
    void kerasConvnetAndLstmTrainOnTheGpuAsOnTheCpu() throws java.io.IOException {
        io.jitflow.data.Mnist data = io.jitflow.data.Mnist.load(Repository.examples().resolve("data/mnist-10k"));
        Tensor images = Jf.gather(data.trainImages(), Jf.range(0, 512, 1), 0);
        Tensor labels = Jf.gather(data.trainLabels(), Jf.range(0, 512, 1), 0);
        for (String kind : List.of("convnet", "lstm")) {
            List<List<Double>> losses = new java.util.ArrayList<>();
            for (Device device : List.of(Device.cpu(), Device.cuda(0))) {
                Jf.setRandomSeed(11);
                io.jitflow.keras.Sequential model = kind.equals("convnet")
                        ? new io.jitflow.keras.Sequential(new io.jitflow.keras.layers.Input(28, 28, 1),
                                new io.jitflow.keras.layers.Conv2D(8, 3, "relu"), new io.jitflow.keras.layers.MaxPooling2D(),
                                new io.jitflow.keras.layers.Flatten(), new io.jitflow.keras.layers.Dense(10, "softmax"))
                        : new io.jitflow.keras.Sequential(new io.jitflow.keras.layers.Input(28, 28),
                                new io.jitflow.keras.layers.LSTM(16), new io.jitflow.keras.layers.Dense(10, "softmax"));
                model.compile("adam", "sparse_categorical_crossentropy");
                Tensor x = kind.equals("convnet") ? Jf.reshape(images, 512, 28, 28, 1) : images;
                io.jitflow.keras.History h = model.fit(x.toDevice(device), labels.toDevice(device),
                        io.jitflow.keras.FitOptions.epochs(2).batchSize(64).shuffle(false).verbose(0));
                losses.add(h.get("loss"));
            }
            for (int epoch = 0; epoch < 2; epoch++) {
                double cpu = losses.get(0).get(epoch);
                assertEquals(cpu, losses.get(1).get(epoch), 1e-3 * Math.abs(cpu), kind + " epoch " + (epoch + 1));
            }
        }
    }

    @Test
    void badPtxFailsWithTheDriversLog() {
        CudaException e = assertThrows(CudaException.class, () -> Cuda.device(0).load(
                ".version 7.0\n.target sm_70\n.address_size 64\n.visible .entry k()\n{\n    add.f32 %f1, %f2, %f3;\n}\n"));
        assertTrue(e.getMessage().startsWith("cuModuleLoadDataEx failed on cuda:0"), e.getMessage());
        assertTrue(e.getMessage().contains("PTX JIT log:") && e.getMessage().contains("line 6"), e.getMessage());
    }
}
