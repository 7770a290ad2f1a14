package io.jitflow.tests;

import static org.bytedeco.cuda.global.cudart.CU_DEVICE_ATTRIBUTE_CLOCK_RATE;
import static org.bytedeco.cuda.global.cudart.CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH;
import static org.bytedeco.cuda.global.cudart.CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE;
import static org.bytedeco.cuda.global.cudart.cuDeviceGet;
import static org.bytedeco.cuda.global.cudart.cuDeviceGetAttribute;

import io.jitflow.GradientTape;
import io.jitflow.Jf;
import io.jitflow.Jit;
import io.jitflow.JitFunction;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.Window;
import io.jitflow.ir.DType;
import io.jitflow.runtime.Device;
import io.jitflow.runtime.cuda.Cuda;
import io.jitflow.runtime.cuda.CudaDevice;
import io.jitflow.runtime.cuda.DeviceArray;
import java.util.Arrays;
import java.util.List;

/**
 * The GPU benchmarks, run on a machine with one (see the README's CUDA section): an elementwise
 * chain (against the device's memory bandwidth), float32 matmuls (against its FP32 peak and
 * cuBLAS, where the machine has it, in the same run), a convolution, and MLP and CNN training
 * steps, each timed on the CPU and on cuda:0 in the same run, with the median of repeated calls
 * after a warm-up. On the GPU, "resident" keeps inputs and outputs in device memory; "with copies"
 * starts from and ends in host memory. {@code --quick} runs small sizes once, to check that every
 * benchmark runs (the fake-driver test does).
 */
public final class CudaBenchmark {
    private static int reps = 21;

    private CudaBenchmark() {
    }

    public static void main(String[] args) {
        boolean quick = Arrays.asList(args).contains("--quick");
        if (quick) {
            reps = 1;
        }
        Device gpu = Device.cuda(0);
        CudaDevice device = Cuda.device(0);
        Roofs roofs = Roofs.of(device);
        System.out.println("device: " + device + ", driver " + Cuda.driverVersion() + ", " + roofs + ", "
                + Runtime.getRuntime().availableProcessors() + " CPU cores");
        elementwise(gpu, quick ? 1 << 12 : 1 << 24, roofs);
        Cublas cublas = Cublas.open();
        for (int n : quick ? new int[] {64} : new int[] {1024, 2048, 4096}) {
            matmul(gpu, n, roofs, cublas);
        }
        conv(gpu, quick ? 1 : 8);
        mlpStep(gpu, quick ? 8 : 256);
        cnnStep(gpu, quick ? 4 : 128);
    }

    /**
     * The device's roofs from its attributes: DRAM bandwidth (two transfers per memory clock over
     * the bus) and the FP32 FMA peak (FP32 lanes per SM by architecture, two flops per FMA). Zero
     * where the driver does not say.
     */
    private record Roofs(double gigabytesPerSecond, double gigaflops) {
        static Roofs of(CudaDevice device) {
            int[] handle = new int[1];
            cuDeviceGet(handle, device.ordinal());
            double memoryKhz = attribute(CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE, handle[0]);
            double busBits = attribute(CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH, handle[0]);
            double clockKhz = attribute(CU_DEVICE_ATTRIBUTE_CLOCK_RATE, handle[0]);
            int major = Integer.parseInt(device.computeCapability().split("\\.")[0]);
            int minor = Integer.parseInt(device.computeCapability().split("\\.")[1]);
            // sm_70, sm_75 and sm_80 have 64 FP32 lanes per SM; sm_86 and later 128.
            int lanes = major < 8 || (major == 8 && minor == 0) ? 64 : 128;
            return new Roofs(2 * memoryKhz * 1e3 * busBits / 8 / 1e9, 2.0 * lanes * device.multiprocessors() * clockKhz / 1e6);
        }

        private static double attribute(int attribute, int device) {
            int[] value = new int[1];
            return cuDeviceGetAttribute(value, attribute, device) == 0 ? value[0] : 0;
        }

        String ofBandwidth(double gbPerSecond) {
            return gigabytesPerSecond > 0 ? String.format("%.0f%% of DRAM", 100 * gbPerSecond / gigabytesPerSecond) : "DRAM roof unknown";
        }

        String ofPeak(double gflops) {
            return gigaflops > 0 ? String.format("%.0f%% of FP32 peak", 100 * gflops / gigaflops) : "FP32 peak unknown";
        }

        @Override
        public String toString() {
            return String.format("DRAM %.0f GB/s, FP32 FMA peak %.0f GFLOP/s", gigabytesPerSecond, gigaflops);
        }
    }

    private static void elementwise(Device gpu, int n, Roofs roofs) {
        JitFunction f = Jit.function(x -> Jf.relu(x.mul(1.5).add(0.5)).mul(x).sub(Jf.abs(x)));
        Tensor x = Jf.randomNormal(new int[] {n}, 0, 1, 1, DType.FLOAT32);
        Tensor onGpu = x.toDevice(gpu);
        double cpu = time(() -> f.call(x));
        double resident = time(() -> f.call(onGpu));
        double copies = time(() -> f.call(x.toDevice(gpu)).toDevice(Device.cpu()));
        double gb = 2.0 * n * 4 / 1e9;
        double gpuRate = gb / resident * 1e3;
        System.out.printf("elementwise chain, %d float32: cpu %.2f ms (%.1f GB/s), gpu resident %.3f ms (%.0f GB/s, %s), "
                + "gpu with copies %.2f ms%n", n, cpu, gb / cpu * 1e3, resident, gpuRate, roofs.ofBandwidth(gpuRate), copies);
    }

    /** B7's convolution: 3x3, 64 to 64 channels, 56x56, "same" (the implicit GEMM on both). */
    private static void conv(Device gpu, int batch) {
        JitFunction f = Jit.function((x, w) -> Jf.conv(x, w, Window.same()));
        Tensor x = Jf.randomNormal(new int[] {batch, 56, 56, 64}, 0, 1, 4, DType.FLOAT32);
        Tensor w = Jf.randomNormal(new int[] {3, 3, 64, 64}, 0, 0.1, 5, DType.FLOAT32);
        Tensor gx = x.toDevice(gpu);
        Tensor gw = w.toDevice(gpu);
        double cpu = time(() -> f.call(x, w));
        double resident = time(() -> f.call(gx, gw));
        double flops = 2.0 * batch * 56 * 56 * 64 * 64 * 9 / 1e9;
        System.out.printf("conv 3x3 64->64 56x56 batch %d float32: cpu %.1f ms (%.1f GFLOP/s), gpu resident %.2f ms "
                + "(%.0f GFLOP/s)%n", batch, cpu, flops / cpu * 1e3, resident, flops / resident * 1e3);
    }

    private static void matmul(Device gpu, int n, Roofs roofs, Cublas cublas) {
        JitFunction f = Jit.function((a, b) -> Jf.matmul(a, b));
        Tensor a = Jf.randomNormal(new int[] {n, n}, 0, 1, 2, DType.FLOAT32);
        Tensor b = Jf.randomNormal(new int[] {n, n}, 0, 1, 3, DType.FLOAT32);
        Tensor ga = a.toDevice(gpu);
        Tensor gb = b.toDevice(gpu);
        double flops = 2.0 * (double) n * n * n / 1e9;
        String cpu = n <= 2048 ? String.format("cpu %.1f GFLOP/s, ", flops / time(() -> f.call(a, b)) * 1e3) : "";
        double resident = time(() -> f.call(ga, gb));
        double rate = flops / resident * 1e3;
        System.out.printf("matmul %d^3 float32: %sgpu resident %.2f ms (%.0f GFLOP/s, %s), %s%n", n, cpu, resident, rate,
                roofs.ofPeak(rate), cublas.compare(a, b, f.call(ga, gb).toFloatArray(), rate));
    }

    /** One step of a 784-128-10 relu MLP with a squared-error loss and SGD, traced into one graph. */
    private static void mlpStep(Device gpu, int batch) {
        Variable w1 = new Variable(Jf.randomNormal(new int[] {784, 128}, 0, 0.05, 4, DType.FLOAT32), "w1", true);
        Variable b1 = new Variable(Jf.zeros(128), "b1", true);
        Variable w2 = new Variable(Jf.randomNormal(new int[] {128, 10}, 0, 0.05, 5, DType.FLOAT32), "w2", true);
        Variable b2 = new Variable(Jf.zeros(10), "b2", true);
        List<Variable> vars = List.of(w1, b1, w2, b2);
        JitFunction step = sgdStep(vars, x -> Jf.matmul(Jf.relu(Jf.matmul(x, w1).add(b1)), w2).add(b2));
        trainingSteps("MLP 784-128-10", gpu, step, new int[] {batch, 784}, new int[] {batch, 10});
    }

    /**
     * One step of a small MNIST convnet: conv 3x3 1->32 relu, max pool 2, conv 3x3 32->64 relu,
     * max pool 2, dense 10, squared error, SGD.
     */
    private static void cnnStep(Device gpu, int batch) {
        Variable k1 = new Variable(Jf.randomNormal(new int[] {3, 3, 1, 32}, 0, 0.3, 8, DType.FLOAT32), "k1", true);
        Variable k2 = new Variable(Jf.randomNormal(new int[] {3, 3, 32, 64}, 0, 0.06, 9, DType.FLOAT32), "k2", true);
        Variable w = new Variable(Jf.randomNormal(new int[] {5 * 5 * 64, 10}, 0, 0.02, 10, DType.FLOAT32), "w", true);
        int[] pool = {2, 2};
        JitFunction step = sgdStep(List.of(k1, k2, w), x -> {
            Tensor h = Jf.maxPool(Jf.relu(Jf.conv(x, k1, Window.valid())), pool, Window.valid().strides(2, 2));
            h = Jf.maxPool(Jf.relu(Jf.conv(h, k2, Window.valid())), pool, Window.valid().strides(2, 2));
            return Jf.matmul(Jf.reshape(h, -1, 5 * 5 * 64), w);
        });
        trainingSteps("CNN 28x28 conv32-pool-conv64-pool-dense10", gpu, step, new int[] {batch, 28, 28, 1},
                new int[] {batch, 10});
    }

    private static JitFunction sgdStep(List<Variable> vars, java.util.function.UnaryOperator<Tensor> model) {
        return Jit.function("train_step", a -> {
            try (GradientTape tape = new GradientTape()) {
                Tensor loss = Jf.reduceMean(Jf.square(model.apply(a.get(0)).sub(a.get(1))));
                List<Tensor> g = tape.gradient(loss, List.copyOf(vars));
                for (int i = 0; i < vars.size(); i++) {
                    vars.get(i).assignSub(g.get(i).mul(0.05));
                }
                return List.of(loss);
            }
        });
    }

    /** Times {@code step} on the CPU and on the GPU (where the weights stay between steps); the loss is read each step. */
    private static void trainingSteps(String what, Device gpu, JitFunction step, int[] xShape, int[] yShape) {
        Tensor x = Jf.randomUniform(xShape, 0, 1, 6, DType.FLOAT32);
        Tensor y = Jf.randomUniform(yShape, 0, 1, 7, DType.FLOAT32);
        Tensor gx = x.toDevice(gpu);
        Tensor gy = y.toDevice(gpu);
        int batch = xShape[0];
        double cpu = time(() -> step.callAll(x, y).get(0));
        double onGpu = time(() -> step.callAll(gx, gy).get(0).toDevice(Device.cpu()));
        System.out.printf("%s training step, batch %d: cpu %.2f ms (%.0f samples/s), gpu %.2f ms (%.0f samples/s)%n", what,
                batch, cpu, batch / cpu * 1e3, onGpu, batch / onGpu * 1e3);
    }

    /**
     * The median milliseconds of one call, after warming up, each call followed by a wait for the
     * device (a Jitflow call has finished its kernels when it returns; a cuBLAS call has not).
     */
    private static double time(Runnable call) {
        for (int i = 0; i < Math.min(5, reps); i++) {
            call.run();
        }
        Cuda.device(0).synchronize();
        double[] ms = new double[reps];
        for (int i = 0; i < reps; i++) {
            long start = System.nanoTime();
            call.run();
            Cuda.device(0).synchronize();
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(ms);
        return ms[reps / 2];
    }

    /**
     * cuBLAS's SGEMM through JavaCPP's CUDA presets, the peer for our matmul, where the machine has
     * libcublas (the presets bring only the JNI glue); otherwise it says why not.
     */
    private static final class Cublas {
        private final org.bytedeco.cuda.cublas.cublasContext handle;
        private final String unavailable;

        private Cublas(org.bytedeco.cuda.cublas.cublasContext handle, String unavailable) {
            this.handle = handle;
            this.unavailable = unavailable;
        }

        static Cublas open() {
            try {
                org.bytedeco.cuda.cublas.cublasContext handle = new org.bytedeco.cuda.cublas.cublasContext();
                int status = org.bytedeco.cuda.global.cublas.cublasCreate_v2(handle);
                return status == 0 ? new Cublas(handle, null) : new Cublas(null, "cublasCreate failed with status " + status);
            } catch (Throwable e) { // UnsatisfiedLinkError from JavaCPP's loader: no libcublas here
                return new Cublas(null, "cuBLAS cannot run here (it needs the CUDA toolkit's libcublas.so.13): " + e.getMessage());
            }
        }

        /** cuBLAS's rate for the same product, its ratio to ours, and how far its result is from ours. */
        String compare(Tensor a, Tensor b, float[] ours, double ourRate) {
            if (unavailable != null) {
                return unavailable;
            }
            int n = a.shape()[0];
            DeviceArray da = DeviceArray.upload(Cuda.device(0), a.toHostTensor());
            DeviceArray db = DeviceArray.upload(Cuda.device(0), b.toHostTensor());
            io.jitflow.runtime.cuda.DeviceMemory c = Cuda.device(0).allocate(4L * n * n);
            org.bytedeco.javacpp.FloatPointer one = new org.bytedeco.javacpp.FloatPointer(1f);
            org.bytedeco.javacpp.FloatPointer zero = new org.bytedeco.javacpp.FloatPointer(0f);
            // Row-major C = A B is column-major C^T = B^T A^T: cuBLAS multiplies b by a.
            Runnable sgemm = () -> org.bytedeco.cuda.global.cublas.cublasSgemm_v2(handle, 0, 0, n, n, n, one,
                    at(db.memory().address()), n, at(da.memory().address()), n, zero, at(c.address()), n);
            double ms = time(sgemm);
            float[] theirs = (float[]) c.download(DType.FLOAT32, n * n);
            double worst = 0;
            for (int i = 0; i < theirs.length; i++) {
                worst = Math.max(worst, Math.abs(theirs[i] - ours[i]) / (1 + Math.abs(theirs[i])));
            }
            double rate = 2.0 * n * n * n / 1e9 / ms * 1e3;
            return String.format("cuBLAS %.2f ms (%.0f GFLOP/s; ours %.2fx), largest difference %.1e", ms, rate,
                    ourRate / rate, worst);
        }

        /** A pointer JavaCPP passes on as the device address it holds. */
        private static org.bytedeco.javacpp.FloatPointer at(long deviceAddress) {
            return new org.bytedeco.javacpp.FloatPointer() {
                {
                    address = deviceAddress;
                }
            };
        }
    }
}
