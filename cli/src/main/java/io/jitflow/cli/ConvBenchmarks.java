package io.jitflow.cli;

import io.jitflow.Jf;
import io.jitflow.Jit;
import io.jitflow.JitFunction;
import io.jitflow.Operand;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.Window;
import io.jitflow.ir.DType;
import java.util.ArrayList;
import java.util.List;

/** The convolution benchmarks of {@code jitflow bench}: B7 (one conv), B8 (the MNIST convnet's step), B9 (ResNet-50). */
final class ConvBenchmarks {
    /** Seconds per call, as {@code BenchCommand.median} measures them. */
    @FunctionalInterface
    interface Timer {
        double seconds(int warmup, int runs, Runnable body);
    }

    private ConvBenchmarks() {
    }

    /** B7: a ResNet stage's 3x3 convolution, 64 to 64 channels over 56x56, batch 8, "same" padding. */
    static double convGflops(Timer timer, int reps, int batch) {
        Tensor x = Jf.randomUniform(new int[] {batch, 56, 56, 64}, -1, 1, 7, DType.FLOAT32);
        Tensor w = Jf.randomUniform(new int[] {3, 3, 64, 64}, -0.1, 0.1, 8, DType.FLOAT32);
        JitFunction f = Jit.function((Tensor a, Tensor b) -> Jf.conv(a, b, Window.same()));
        double t = timer.seconds(3, reps, () -> f.call(x, w));
        return 2.0 * batch * 56 * 56 * 64 * 64 * 9 / t / 1e9;
    }

    /**
     * B8: the Keras MNIST convnet's training steps per second at batch 128, the bytes all threads
     * allocate a step, and the peak heap (MB) while an epoch runs.
     */
    static double[] convnetSteps(Timer timer, int warmup, int epochs) {
        io.jitflow.data.Mnist data = io.jitflow.examples.MnistClassifier.data();
        io.jitflow.keras.Sequential model = io.jitflow.examples.MnistConvnet.model();
        Tensor images = Jf.reshape(data.trainImages(), -1, 28, 28, 1);
        int steps = (images.shape()[0] + 127) / 128;
        Runnable epoch = () -> model.fit(images, data.trainLabels(),
                io.jitflow.keras.FitOptions.epochs(1).batchSize(128).verbose(0));
        double t = timer.seconds(warmup, epochs, epoch);
        long[] bytesAndPeak = PeerBenchmarks.allocationAndPeakHeap(epoch, 1);
        return new double[] {steps / t, bytesAndPeak[0] / (double) steps, bytesAndPeak[1] / 1e6};
    }

    /** B9: milliseconds per 224x224x3 image through a ResNet-50-shaped network with random weights, batch 1. */
    static double resnet50Millis(Timer timer, int reps) {
        ResNet50 net = new ResNet50();
        Tensor image = Jf.randomUniform(new int[] {1, 224, 224, 3}, 0, 1, 9, DType.FLOAT32);
        net.forward(image);
        JitFunction f = Jit.function((Tensor x) -> net.forward(x));
        return timer.seconds(2, reps, () -> f.call(image)) * 1e3;
    }

    /**
     * ResNet-50's shape (He et al. 2015): a 7x7/2 convolution and a 3x3/2 max pool, 3, 4, 6 and 3
     * bottleneck blocks (1x1, 3x3, 1x1 convolutions, a projection on each stage's first block)
     * at 64 to 512 channels, a global average pool and a 1000-way dense layer; batch normalization
     * folded into each convolution's bias, as at inference. He-normal random weights, made on the
     * first (eager) call and read by later (traced) ones in the same order.
     */
    static final class ResNet50 {
        private final List<Variable> weights = new ArrayList<>();
        private int next;

        Tensor forward(Tensor image) {
            next = 0;
            Tensor x = conv(image, 7, 64, 2, true);
            x = Jf.maxPool(x, new int[] {3, 3}, Window.same().strides(2, 2));
            int[] blocks = {3, 4, 6, 3};
            for (int stage = 0; stage < 4; stage++) {
                int width = 64 << stage;
                for (int b = 0; b < blocks[stage]; b++) {
                    int stride = stage > 0 && b == 0 ? 2 : 1;
                    Tensor shortcut = b == 0 ? conv(x, 1, 4 * width, stride, false) : x;
                    Tensor y = conv(x, 1, width, 1, true);
                    y = conv(y, 3, width, stride, true);
                    y = conv(y, 1, 4 * width, 1, false);
                    x = Jf.relu(y.add(shortcut));
                }
            }
            Tensor pooled = Jf.reduceMean(x, 1, 2);
            return Jf.matmul(pooled, weight(2048, new int[] {2048, 1000})).add(weight(0, new int[] {1000}));
        }

        private Tensor conv(Tensor x, int k, int out, int stride, boolean relu) {
            int in = x.type().shape().dim(3).size();
            Operand w = weight(k * k * in, new int[] {k, k, in, out});
            Tensor y = Jf.conv(x, w, Window.same().strides(stride, stride)).add(weight(0, new int[] {out}));
            return relu ? Jf.relu(y) : y;
        }

        /** The next weight: He-normal for {@code fanIn} inputs (zeros for a bias, fanIn 0). */
        private Variable weight(int fanIn, int[] shape) {
            if (next == weights.size()) {
                Tensor initial = fanIn == 0 ? Jf.zeros(shape)
                        : Jf.randomNormal(shape, 0, Math.sqrt(2.0 / fanIn), 100 + next, DType.FLOAT32);
                weights.add(new Variable(initial, "w" + next, false));
            }
            return weights.get(next++);
        }
    }
}
