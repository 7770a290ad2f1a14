package io.jitflow.tests;

import io.jitflow.GradientTape;
import io.jitflow.Jf;
import io.jitflow.Jit;
import io.jitflow.JitFunction;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.DType;
import io.jitflow.runtime.Device;
import io.jitflow.runtime.cuda.Cuda;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The GPU benchmarks, run on a machine with one (see the README's CUDA section): an elementwise
 * chain, float32 matmuls, a convolution and an MLP training step, each timed on the CPU and on cuda:0 in the
 * same run, with the median of repeated calls after a warm-up. On the GPU, "resident" keeps
 * inputs and outputs in device memory; "with copies" starts from and ends in host memory.
 */
public final class CudaBenchmark {
    private CudaBenchmark() {
    }

    public static void main(String[] args) {
        Device gpu = Device.cuda(0);
        System.out.println("device: " + Cuda.device(0) + ", driver " + Cuda.driverVersion() + ", "
                + Runtime.getRuntime().availableProcessors() + " CPU cores");
        elementwise(gpu, 1 << 24);
        for (int n : new int[] {1024, 2048}) {
            matmul(gpu, n);
        }
        conv(gpu);
        mlpStep(gpu, 256);
    }

    private static void elementwise(Device gpu, int n) {
        JitFunction f = Jit.function(x -> Jf.relu(x.mul(1.5).add(0.5)).mul(x).sub(Jf.abs(x)));
        Tensor x = Jf.randomNormal(new int[] {n}, 0, 1, 1, DType.FLOAT32);
        Tensor onGpu = x.toDevice(gpu);
        double cpu = time(() -> f.call(x));
        double resident = time(() -> f.call(onGpu));
        double copies = time(() -> f.call(x.toDevice(gpu)).toDevice(Device.cpu()));
        double gb = 2.0 * n * 4 / 1e9;
        System.out.printf("elementwise chain, %d float32: cpu %.2f ms (%.1f GB/s), gpu resident %.3f ms (%.0f GB/s), "
                + "gpu with copies %.2f ms%n", n, cpu, gb / cpu * 1e3, resident, gb / resident * 1e3, copies);
    }

    /** B7's convolution: 3x3, 64 to 64 channels, 56x56, batch 8, "same" (the implicit GEMM on both). */
    private static void conv(Device gpu) {
        JitFunction f = Jit.function((x, w) -> Jf.conv(x, w, io.jitflow.Window.same()));
        Tensor x = Jf.randomNormal(new int[] {8, 56, 56, 64}, 0, 1, 4, DType.FLOAT32);
        Tensor w = Jf.randomNormal(new int[] {3, 3, 64, 64}, 0, 0.1, 5, DType.FLOAT32);
        Tensor gx = x.toDevice(gpu);
        Tensor gw = w.toDevice(gpu);
        double cpu = time(() -> f.call(x, w));
        double resident = time(() -> f.call(gx, gw));
        double flops = 2.0 * 8 * 56 * 56 * 64 * 64 * 9 / 1e9;
        System.out.printf("conv 3x3 64->64 56x56 batch 8 float32: cpu %.1f ms (%.1f GFLOP/s), gpu resident %.2f ms "
                + "(%.0f GFLOP/s)%n", cpu, flops / cpu * 1e3, resident, flops / resident * 1e3);
    }

    private static void matmul(Device gpu, int n) {
        JitFunction f = Jit.function((a, b) -> Jf.matmul(a, b));
        Tensor a = Jf.randomNormal(new int[] {n, n}, 0, 1, 2, DType.FLOAT32);
        Tensor b = Jf.randomNormal(new int[] {n, n}, 0, 1, 3, DType.FLOAT32);
        Tensor ga = a.toDevice(gpu);
        Tensor gb = b.toDevice(gpu);
        double cpu = time(() -> f.call(a, b));
        double resident = time(() -> f.call(ga, gb));
        double flops = 2.0 * n * n * n / 1e9;
        System.out.printf("matmul %d^3 float32: cpu %.1f ms (%.1f GFLOP/s), gpu resident %.2f ms (%.0f GFLOP/s)%n", n, cpu,
                flops / cpu * 1e3, resident, flops / resident * 1e3);
    }

    /** One step of a 784-128-10 relu MLP with a squared-error loss and SGD, traced into one graph. */
    private static void mlpStep(Device gpu, int batch) {
        Variable w1 = new Variable(Jf.randomNormal(new int[] {784, 128}, 0, 0.05, 4, DType.FLOAT32), "w1", true);
        Variable b1 = new Variable(Jf.zeros(128), "b1", true);
        Variable w2 = new Variable(Jf.randomNormal(new int[] {128, 10}, 0, 0.05, 5, DType.FLOAT32), "w2", true);
        Variable b2 = new Variable(Jf.zeros(10), "b2", true);
        JitFunction step = Jit.function("train_step", a -> {
            try (GradientTape tape = new GradientTape()) {
                Tensor hidden = Jf.relu(Jf.matmul(a.get(0), w1).add(b1));
                Tensor loss = Jf.reduceMean(Jf.square(Jf.matmul(hidden, w2).add(b2).sub(a.get(1))));
                List<Tensor> g = tape.gradient(loss, List.of(w1, b1, w2, b2));
                List<Variable> vars = List.of(w1, b1, w2, b2);
                for (int i = 0; i < vars.size(); i++) {
                    vars.get(i).assignSub(g.get(i).mul(0.05));
                }
                return List.of(loss);
            }
        });
        Tensor x = Jf.randomUniform(new int[] {batch, 784}, 0, 1, 6, DType.FLOAT32);
        Tensor y = Jf.randomUniform(new int[] {batch, 10}, 0, 1, 7, DType.FLOAT32);
        Tensor gx = x.toDevice(gpu);
        Tensor gy = y.toDevice(gpu);
        double cpu = time(() -> step.callAll(x, y).get(0));
        double onGpu = time(() -> step.callAll(gx, gy).get(0).toDevice(Device.cpu()));
        System.out.printf("MLP 784-128-10 training step, batch %d: cpu %.2f ms (%.0f samples/s), gpu %.2f ms "
                + "(%.0f samples/s; variables copied each step)%n", batch, cpu, batch / cpu * 1e3, onGpu, batch / onGpu * 1e3);
    }

    /** The median milliseconds of one call, after warming up; the result is read so that the work finishes. */
    private static double time(Supplier<Tensor> call) {
        for (int i = 0; i < 5; i++) {
            call.get().toFloatArray();
        }
        int reps = 21;
        double[] ms = new double[reps];
        for (int i = 0; i < reps; i++) {
            long start = System.nanoTime();
            call.get(); // a GPU run has finished when it returns: it reads the kernels' status word
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(ms);
        return ms[reps / 2];
    }
}
