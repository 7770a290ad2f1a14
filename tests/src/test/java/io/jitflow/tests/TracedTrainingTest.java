package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jitflow.GradientTape;
import io.jitflow.Jf;
import io.jitflow.Jit;
import io.jitflow.JitFunction;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.DType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The linear classifier's training step traced into one compiled graph reaches the eager loss. */
class TracedTrainingTest {
    private static Tensor inputs() {
        Tensor a = Jf.randomNormal(new int[] {200, 2}, 0, 1, 11, DType.FLOAT32).add(Jf.constant(new float[] {0, 3}));
        Tensor b = Jf.randomNormal(new int[] {200, 2}, 0, 1, 12, DType.FLOAT32).add(Jf.constant(new float[] {3, 0}));
        return Jf.concat(List.of(a, b), 0);
    }

    private static Tensor targets() {
        return Jf.concat(List.of(Jf.zeros(200, 1), Jf.ones(200, 1)), 0);
    }

    private static float train(boolean traced) {
        Variable w = new Variable(Jf.randomUniform(new int[] {2, 1}, 0, 1, 3, DType.FLOAT32), "W", true);
        Variable b = new Variable(Jf.zeros(1), "b", true);
        Jit.TensorFunction step = args -> {
            try (GradientTape tape = new GradientTape()) {
                Tensor loss = Jf.reduceMean(Jf.square(args.get(1).sub(Jf.matmul(args.get(0), w).add(b))));
                List<Tensor> g = tape.gradient(loss, List.of(w, b));
                w.assignSub(g.get(0).mul(0.1));
                b.assignSub(g.get(1).mul(0.1));
                return List.of(loss);
            }
        };
        JitFunction compiled = Jit.function("train_step", step);
        Tensor x = inputs();
        Tensor y = targets();
        float loss = 0;
        for (int i = 0; i < 40; i++) {
            loss = (traced ? compiled.callAll(x, y) : step.apply(List.of(x, y))).get(0).floatValue();
        }
        if (traced) {
            assertEquals(1, compiled.traceCount(), "one trace for the whole training");
        }
        return loss;
    }

    @Test
    void aTracedTrainingStepMatchesTheEagerOne() {
        float eager = train(false);
        float traced = train(true);
        assertEquals(eager, traced, 1e-6f * Math.abs(eager));
        org.junit.jupiter.api.Assertions.assertTrue(traced < 0.1f, "training converges; loss " + traced);
    }
}
