package io.jitflow.tests;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.cuda.PtxGenerator;
import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.runtime.Device;
import io.jitflow.runtime.cuda.Cuda;
import io.jitflow.runtime.cuda.CudaDevice;
import io.jitflow.runtime.cuda.CudaExecutable;
import io.jitflow.runtime.cuda.DeviceArray;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Drives the CUDA runtime against the fake driver of {@code src/test/c/fake_libcuda.c} (see
 * {@link FakeDriverTest}), printing what it sees: the device, host-device round trips of every
 * dtype, the driver's log for bad PTX, and a program's launches (which the fake logs).
 */
public final class FakeDriverCheck {
    private FakeDriverCheck() {
    }

    /**
     * A cond and a scan whose regions only pass values on (so they launch nothing, and the fake's
     * copies are real): the host loop reads the predicate back, slices the scanned value and stacks
     * the steps with device-to-device copies.
     */
    private static void controlFlow(CudaDevice device) {
        io.jitflow.ir.Graph g = io.jitflow.text.GraphParser.parse("""
                jitflow 1 opset 2
                func @pass(%p : bool[], %x : float32[2], %y : float32[2], %xs : float32[3, 2]) -> (c : float32[2], h : float32[2], ys : float32[3, 2]) {
                  %c = cond(%p, %x, %y) (
                    then(%a : float32[2], %b : float32[2]) -> (r : float32[2]) {
                      return %b
                    },
                    else(%a : float32[2], %b : float32[2]) -> (r : float32[2]) {
                      return %a
                    }
                  ) : float32[2]
                  %h, %ys = scan(%x, %xs) {carried = 1, reverse = true, scanned = 1} (
                    body(%h : float32[2], %s : float32[2]) -> (h : float32[2], y : float32[2]) {
                      return %s, %h
                    }
                  ) : float32[2], float32[3, 2]
                  return %c, %h, %ys
                }
                """, "pass.jfg");
        KernelProgram program = Compiled.lower(g.functions().get(0), io.jitflow.ir.InferenceContext.NO_VARIABLES);
        Map<String, HostTensor> inputs = Map.of("p", HostTensor.of(new boolean[] {true}),
                "x", HostTensor.of(new float[] {1, 2}, 2), "y", HostTensor.of(new float[] {3, 4}, 2),
                "xs", HostTensor.of(new float[] {5, 6, 7, 8, 9, 10}, 3, 2));
        Map<String, HostTensor> out = new CudaExecutable(program, PtxGenerator.module(program), device).run(inputs,
                new VariableStore());
        System.out.println("control flow: c " + java.util.Arrays.toString(out.get("c").toFloatArray()) + ", h "
                + java.util.Arrays.toString(out.get("h").toFloatArray()) + ", ys "
                + java.util.Arrays.toString(out.get("ys").toFloatArray()));
        try {
            java.nio.file.Path jar = java.nio.file.Files.createTempFile("pass", ".jar");
            io.jitflow.compiler.AheadOfTime.compile(g, jar, io.jitflow.compiler.AheadOfTime.Target.CUDA, Compiled.OPTIONS);
            Map<String, HostTensor> fromJar = io.jitflow.runtime.aot.AotModule.load(jar, Device.cuda(0)).call("pass", inputs);
            java.nio.file.Files.delete(jar);
            System.out.println("control flow from a CUDA jar: " + (fromJar.equals(out) ? "the same" : "DIFFERENT " + fromJar));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The copies a compiled training step makes (the fake driver logs each to $FAKE_CUDA_COPIES):
     * per steady-state step, and when a weight is read. The weights stay on the device.
     */
    private static void trainingStepCopies() throws java.io.IOException {
        java.nio.file.Path copies = java.nio.file.Path.of(System.getenv("FAKE_CUDA_COPIES"));
        Device gpu = Device.cuda(0);
        io.jitflow.Variable w = new io.jitflow.Variable(Jf.zeros(64, 32), "w", true);
        io.jitflow.Variable b = new io.jitflow.Variable(Jf.zeros(32), "b", true);
        io.jitflow.JitFunction step = io.jitflow.Jit.function("step", a -> {
            try (io.jitflow.GradientTape tape = new io.jitflow.GradientTape()) {
                Tensor loss = Jf.reduceMean(Jf.square(Jf.matmul(a.get(0), w).add(b).sub(a.get(1))));
                List<Tensor> grads = tape.gradient(loss, List.of(w, b));
                w.assignSub(grads.get(0).mul(0.1));
                b.assignSub(grads.get(1).mul(0.1));
                return List.of(loss);
            }
        });
        Tensor x = Jf.zeros(16, 64).toDevice(gpu);
        Tensor y = Jf.zeros(16, 32).toDevice(gpu);
        step.callAll(x, y);
        int before = java.nio.file.Files.readAllLines(copies).size();
        int steps = 3;
        for (int i = 0; i < steps; i++) {
            step.callAll(x, y);
        }
        List<String> during = java.nio.file.Files.readAllLines(copies);
        java.util.Map<String, Long> perStep = new java.util.TreeMap<>();
        during.subList(before, during.size()).forEach(c -> perStep.merge(c, 1L, Long::sum));
        perStep.replaceAll((copy, count) -> count / steps);
        System.out.println("copies per training step: " + (perStep.isEmpty() ? "none" : perStep));
        w.asTensor().toFloatArray();
        List<String> after = java.nio.file.Files.readAllLines(copies);
        System.out.println("reading w: " + relabeled(after.subList(during.size(), after.size())));
    }

    /**
     * Three calls with host inputs of a program that cannot fail, then a read of the last result:
     * the log of copies and synchronization the driver saw.
     */
    private static void overlappedCalls(CudaDevice device) {
        io.jitflow.ir.Graph g = io.jitflow.text.GraphParser.parse("""
                jitflow 1 opset 2
                func @fma(%x : float32[3], %y : float32[3]) -> (z : float32[3]) {
                  %p = mul(%x, %y) : float32[3]
                  %z = add(%p, %x) : float32[3]
                  return %z
                }
                """, "fma.jfg");
        KernelProgram program = Compiled.lower(g.functions().get(0), io.jitflow.ir.InferenceContext.NO_VARIABLES);
        CudaExecutable executable = new CudaExecutable(program, PtxGenerator.module(program), device);
        Map<String, HostTensor> inputs = Map.of("x", HostTensor.of(new float[] {1, 2, 3}, 3),
                "y", HostTensor.of(new float[] {4, 5, 6}, 3));
        List<String> before = copies();
        Map<String, HostTensor> out = null;
        for (int i = 0; i < 3; i++) {
            out = executable.run(inputs, new VariableStore());
        }
        out.get("z").toFloatArray();
        List<String> after = copies();
        System.out.println("three calls and a read: " + relabeled(after.subList(before.size(), after.size())));
    }

    /** The driver's log with streams and events named S1, S2... and E1, E2... in order of appearance. */
    private static String relabeled(List<String> log) {
        Map<String, String> names = new java.util.HashMap<>();
        List<String> lines = new java.util.ArrayList<>();
        for (String line : log) {
            StringBuilder sb = new StringBuilder();
            for (String word : line.split(" ")) {
                if (word.matches("[se][0-9]+")) {
                    String kind = word.substring(0, 1).toUpperCase();
                    word = names.computeIfAbsent(word, w -> kind + (names.values().stream().filter(n -> n.startsWith(kind))
                            .count() + 1));
                }
                sb.append(sb.length() == 0 ? "" : " ").append(word);
            }
            lines.add(sb.toString());
        }
        return lines.toString();
    }

    /** The copies the fake driver has logged so far (none when it is not asked to log them). */
    private static List<String> copies() {
        String path = System.getenv("FAKE_CUDA_COPIES");
        try {
            return path == null || !java.nio.file.Files.exists(java.nio.file.Path.of(path)) ? List.of()
                    : java.nio.file.Files.readAllLines(java.nio.file.Path.of(path));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static void main(String[] args) throws java.io.IOException {
        if (!Cuda.isAvailable()) {
            System.out.println("unavailable: " + Cuda.unavailableReason());
            return;
        }
        CudaDevice device = Cuda.device(0);
        System.out.println(device + ", " + device.multiprocessors() + " SMs, " + device.totalMemory() + " bytes, driver "
                + Cuda.driverVersion());
        Random random = new Random(1);
        for (DType dtype : DType.values()) {
            HostTensor value = RandomTensors.of(dtype, new int[] {3, 5}, random, -100, 100, true);
            HostTensor back = DeviceArray.upload(device, value).download();
            System.out.println(dtype + " round trip: " + (back.equals(value) ? "equal" : "DIFFERENT " + back + " vs " + value));
        }
        Tensor t = Jf.constant(new float[] {1, 2, 3}).toDevice(Device.cuda(0));
        System.out.println("tensor on " + t.device() + ", back on the host: " + t.toDevice(Device.cpu()));
        try {
            System.out.println("eager add with a host scalar runs on " + t.add(Jf.constant(1f)).device());
        } catch (RuntimeException e) {
            System.out.println(e.getMessage());
        }
        try {
            t.add(Jf.constant(new float[] {1, 2, 3}));
        } catch (IllegalArgumentException e) {
            System.out.println(e.getMessage());
        }
        try {
            Device.cuda(1);
        } catch (RuntimeException e) {
            System.out.println(e.getMessage());
        }
        try {
            device.load("// fake-error\n");
        } catch (RuntimeException e) {
            System.out.println(e.getMessage());
        }
        controlFlow(device);
        KernelProgram program = Compiled.lower(PtxDifferentialTest.integerFloorDiv(), io.jitflow.ir.InferenceContext.NO_VARIABLES);
        io.jitflow.runtime.cuda.CudaCode module = PtxGenerator.module(program);
        try {
            new CudaExecutable(program, new io.jitflow.runtime.cuda.CudaCode(module.ptx().replace(".entry", ".entry renamed_"),
                    module.errors(), module.launches()), device);
        } catch (RuntimeException e) {
            System.out.println(e.getMessage());
        }
        CudaExecutable executable = new CudaExecutable(program, module, device);
        try {
            List<String> before = copies();
            Map<String, HostTensor> out = executable.run(Map.of("x", HostTensor.of(new int[] {7, 8, 9}, 3),
                    "y", HostTensor.of(new int[] {2, 2, 2}, 3)), new VariableStore());
            List<String> after = copies();
            System.out.println("ran: " + out.get("q").type() + ", " + relabeled(after.subList(before.size(), after.size())));
        } catch (RuntimeException e) {
            System.out.println(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        if (System.getenv("FAKE_CUDA_STATUS") == null) {
            overlappedCalls(device);
            trainingStepCopies();
        }
    }
}
