package com.example;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.DType;
import io.jitflow.keras.FitOptions;
import io.jitflow.keras.Sequential;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.Input;
import java.util.Map;

/** Learns whether two numbers have the same sign, with a small Keras-style model: the whole program. */
public final class Main {
    public static void main(String[] args) {
        Jf.setRandomSeed(1);
        Tensor x = Jf.randomUniform(new int[] {4000, 2}, -1, 1, 2, DType.FLOAT32);
        Tensor sameSign = Jf.cast(Jf.greater(Jf.reduceProd(x, 1), Jf.constant(0f)), DType.INT32);

        Sequential model = new Sequential(new Input(2), new Dense(16, "relu"), new Dense(16, "relu"),
                new Dense(2, "softmax"));
        model.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        model.summary();
        model.fit(x, sameSign, FitOptions.epochs(20).batchSize(32).validationSplit(0.1).verbose(0));
        Map<String, Double> result = model.evaluate(x, sameSign);
        System.out.printf("accuracy %.4f%n", result.get("accuracy"));
    }
}
