package io.jitflow.examples;

import static io.jitflow.Jf.constant;
import static io.jitflow.Jf.matmul;
import static io.jitflow.Jf.relu;

import io.jitflow.Jf;
import io.jitflow.Jit;
import io.jitflow.JitFunction;
import io.jitflow.Tensor;
import io.jitflow.TensorSpec;
import io.jitflow.ir.DType;
import java.io.PrintStream;
import java.util.List;

/**
 * Tracing a Java function: the graph it becomes, the graph after optimization, and the fused
 * kernels the JIT generates bytecode for.
 */
public final class Tracing {
    private Tracing() {
    }

    public static void main(String[] args) {
        run(System.out);
    }

    public static void run(PrintStream out) {
        // A dense layer with a redundant computation for the optimizer to remove: x @ w + b, relu, times (0.5 + 0.5).
        JitFunction dense = Jit.function("dense", xs -> {
            Tensor half = constant(0.5f);
            Tensor y = relu(matmul(xs.get(0), xs.get(1)).add(xs.get(2)));
            return List.of(y.mul(half.add(half)).sum(1));
        }, TensorSpec.of(DType.FLOAT32, "batch", 4), TensorSpec.of(DType.FLOAT32, 4, 3), TensorSpec.of(DType.FLOAT32, 3));
        Tensor x = Jf.ones(2, 4);
        Tensor w = constant(new float[][] {{1, -1, 0}, {2, 0, 1}, {0, 1, 1}, {-1, 0, 2}});
        Tensor b = constant(new float[] {0, -3, 1});
        out.println(dense.graphText(x, w, b));
        out.println(dense.kernelsText(x, w, b));
        out.println("dense(ones(2, 4), w, b) = " + dense.call(x, w, b));
        out.println("dense(ones(5, 4), w, b) = " + dense.call(Jf.ones(5, 4), w, b) + "  (same trace: "
                + dense.traceCount() + ")");
    }
}
