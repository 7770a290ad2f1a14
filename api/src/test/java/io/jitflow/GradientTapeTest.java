package io.jitflow;

import static io.jitflow.Jf.constant;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The TensorFlow lectures' GradientTape programs, and the tape's semantics. */
class GradientTapeTest {
    @Test
    void squareOfThreeHasGradientSix() {
        Tensor x = constant(3.0);
        try (GradientTape tape = new GradientTape()) {
            tape.watch(x);
            Tensor y = x.square();
            assertEquals(6.0, tape.gradient(y, x).doubleValue());
        }
    }

    @Test
    void variablesAreWatchedAutomatically() {
        Variable x = new Variable(constant(3f));
        Tensor g;
        try (GradientTape tape = new GradientTape()) {
            Tensor y = x.square();
            g = tape.gradient(y, x);
        }
        assertEquals(6f, g.floatValue());
        Variable frozen = new Variable(constant(3f), "frozen", false);
        try (GradientTape tape = new GradientTape()) {
            assertNull(tape.gradient(frozen.square(), frozen), "non-trainable variables are not watched");
        }
    }

    @Test
    void secondOrderGivesTheAcceleration() {
        // position = 4.9 t^2, speed = 9.8 t, acceleration = 9.8
        Variable time = new Variable(constant(0f));
        Tensor speed;
        Tensor acceleration;
        try (GradientTape outer = new GradientTape()) {
            try (GradientTape inner = new GradientTape()) {
                Tensor position = time.square().mul(4.9);
                speed = inner.gradient(position, time);
            }
            acceleration = outer.gradient(speed, time);
        }
        assertEquals(0f, speed.floatValue());
        assertEquals(9.8f, acceleration.floatValue(), 1e-6);
    }

    @Test
    void gradientsWithRespectToSeveralSourcesAndBroadcasting() {
        Variable w = new Variable(Jf.ones(2, 2));
        Variable b = new Variable(Jf.zeros(2));
        Tensor x = constant(new float[][] {{1, 2}, {3, 4}});
        List<Tensor> grads;
        try (GradientTape tape = new GradientTape()) {
            Tensor y = x.matmul(w).add(b);
            grads = tape.gradient(y.sum(), List.of(w, b));
        }
        assertArrayEquals(new float[] {4, 4, 6, 6}, grads.get(0).toFloatArray());
        assertArrayEquals(new float[] {2, 2}, grads.get(1).toFloatArray(), "the bias gradient is summed over the batch");
    }

    @Test
    void unconnectedSourcesGiveNullOrZeros() {
        Tensor x = constant(2f);
        Tensor z = constant(new float[] {1, 2});
        try (GradientTape tape = new GradientTape(true)) {
            tape.watch(x, z);
            Tensor y = x.mul(x);
            assertNull(tape.gradient(y, z));
            assertArrayEquals(new float[] {0, 0},
                    tape.gradient(y, List.of(z), GradientTape.UnconnectedGradients.ZERO).get(0).toFloatArray());
            assertEquals(4f, tape.gradient(y, x).floatValue(), "a persistent tape computes gradients again");
        }
    }

    @Test
    void opsWithoutAGradientStopIt() {
        Tensor x = constant(new float[] {1, 5, 3});
        try (GradientTape tape = new GradientTape(true)) {
            tape.watch(x);
            Tensor index = x.argmax(0).cast(io.jitflow.ir.DType.FLOAT32);
            assertNull(tape.gradient(index, x));
            Tensor mask = x.greater(constant(2f)).cast(io.jitflow.ir.DType.FLOAT32);
            Tensor masked = mask.mul(x).sum();
            assertArrayEquals(new float[] {0, 1, 1}, tape.gradient(masked, x).toFloatArray());
        }
    }

    @Test
    void aNonPersistentTapeComputesOnce() {
        Tensor x = constant(1.0);
        GradientTape tape = new GradientTape();
        try (tape) {
            tape.watch(x);
            Tensor y = x.exp();
            tape.gradient(y, x);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> tape.gradient(y, x));
            assertEquals("a non-persistent GradientTape can compute gradients only once; use new GradientTape(true) "
                    + "for several calls", e.getMessage());
        }
    }

    @Test
    void gradientsCanBeTakenAfterTheTapeIsClosed() {
        Tensor x = constant(2.0);
        GradientTape tape = new GradientTape();
        Tensor y;
        try (tape) {
            tape.watch(x);
            y = x.pow(3);
        }
        Tensor notRecorded = y.mul(2.0);
        assertEquals(12.0, tape.gradient(y, x).doubleValue(), 1e-12);
        try (GradientTape fresh = new GradientTape()) {
            assertNull(fresh.gradient(notRecorded, x));
        }
    }
}
