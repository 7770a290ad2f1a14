package io.jitflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.ir.DType;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A compiled training step, called again and again, allocates next to nothing per call (no maps by
 * name, no per-call job or lambda for the kernel threads, no shape arrays, the variables' spare
 * arrays reused): the bench's B5 target is under 1 KB a step; before, 5.5 KB.
 */
class CallAllocationTest {
    @Test
    void aTrainingStepAllocatesUnderTwoKilobytesACall() {
        Variable w1 = new Variable(Jf.randomNormal(new int[] {196, 64}, 0, 0.05, 1, DType.FLOAT32), "w1", true);
        Variable b1 = new Variable(Jf.zeros(64), "b1", true);
        Variable w2 = new Variable(Jf.randomNormal(new int[] {64, 10}, 0, 0.05, 2, DType.FLOAT32), "w2", true);
        List<Variable> params = List.of(w1, b1, w2);
        JitFunction step = Jit.function("train_step", args -> {
            try (GradientTape tape = new GradientTape()) {
                Tensor logits = Jf.matmul(Jf.relu(Jf.matmul(args.get(0), w1).add(b1)), w2);
                Tensor loss = Jf.reduceMean(Jf.reduceSum(Jf.logSoftmax(logits).mul(Jf.oneHot(args.get(1), 10)), 1)).neg();
                List<Tensor> grads = tape.gradient(loss, params);
                for (int i = 0; i < params.size(); i++) {
                    params.get(i).assignSub(grads.get(i).mul(0.01f));
                }
                return List.of(loss);
            }
        });
        Tensor x = Jf.randomUniform(new int[] {128, 196}, 0, 1, 4, DType.FLOAT32);
        Tensor labels = Jf.cast(Jf.randomUniform(new int[] {128}, 0, 10, 5, DType.FLOAT32), DType.INT32);
        float first = step.callAll(x, labels).get(0).toFloatArray()[0];
        // Steady state: until HotSpot has compiled the generated kernels, the Vector API allocates
        // in them (tens of KB a call), so the least of several rounds is what a call costs.
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int calls = 300;
        double perCall = Double.MAX_VALUE;
        float last = 0;
        for (int round = 0; round < 40 && perCall >= 2048; round++) {
            long[] ids = threads.getAllThreadIds();
            long before = Arrays.stream(threads.getThreadAllocatedBytes(ids)).filter(b -> b > 0).sum();
            for (int i = 0; i < calls; i++) {
                last = step.callAll(x, labels).get(0).toFloatArray()[0];
            }
            long after = Arrays.stream(threads.getThreadAllocatedBytes(ids)).filter(b -> b > 0).sum();
            perCall = Math.min(perCall, (after - before) / (double) calls);
        }
        assertTrue(last < first, "the steps train: loss " + first + " -> " + last);
        assertTrue(perCall < 2048, "bytes allocated per call: " + perCall);
        assertEquals(1, step.traceCount());
    }
}
