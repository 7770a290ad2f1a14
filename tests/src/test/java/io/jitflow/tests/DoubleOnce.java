package io.jitflow.tests;

import io.jitflow.Jf;
import io.jitflow.Jit;
import io.jitflow.Tensor;

/** Compiles and runs x * 2 on [1.5], printing the result: run in a fresh JVM by {@link VectorApiWarningTest}. */
public final class DoubleOnce {
    private DoubleOnce() {
    }

    public static void main(String[] args) {
        Tensor y = Jit.function((Tensor x) -> x.mul(2.0)).call(Jf.constant(new float[] {1.5f}));
        System.out.println("result " + y.toFloatArray()[0]);
    }
}
