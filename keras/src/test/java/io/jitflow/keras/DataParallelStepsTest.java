package io.jitflow.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.DType;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.Input;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** gradients and applyGradients: a step split into shards whose gradients are combined is fit's step. */
class DataParallelStepsTest {
    private static final Tensor X = Jf.randomUniform(new int[] {12, 3}, -1, 1, 5, DType.FLOAT32);
    private static final Tensor Y = Jf.cast(Jf.greater(Jf.reduceSum(X, 1), Jf.constant(0f)), DType.INT32);

    private static Sequential model() {
        Jf.setRandomSeed(31);
        Sequential m = new Sequential(new Input(3), new Dense(5, "tanh"), new Dense(2, "softmax"));
        m.compile(new Optimizer.Adam(0.05), "sparse_categorical_crossentropy");
        return m;
    }

    @Test
    void shardGradientsWeightedByTheirSizesMakeFitsStep() {
        Sequential fitted = model();
        fitted.fit(X, Y, FitOptions.epochs(1).batchSize(12).shuffle(false).verbose(0));

        Sequential split = model();
        Model.Gradients whole = split.gradients(X, Y, 0);
        List<Tensor> sum = null;
        double loss = 0;
        for (int[] rows : new int[][] {{0, 5}, {5, 12}}) {
            Tensor index = Jf.range(rows[0], rows[1], 1);
            Model.Gradients part = split.gradients(Jf.gather(X, index, 0), Jf.gather(Y, index, 0), 0);
            double share = (rows[1] - rows[0]) / 12.0;
            loss += part.loss() * share;
            List<Tensor> scaled = part.values().stream().map(g -> g.mul((float) share)).toList();
            sum = sum == null ? scaled : add(sum, scaled);
        }
        assertEquals(whole.loss(), loss, 1e-6);
        for (int i = 0; i < sum.size(); i++) {
            assertArrayEquals(whole.values().get(i).toFloatArray(), sum.get(i).toFloatArray(), 1e-6f);
        }
        split.applyGradients(sum);
        assertEquals(1, split.optimizer().iterations());
        for (int i = 0; i < sum.size(); i++) {
            assertArrayEquals(fitted.getWeights().get(i).toFloatArray(), split.getWeights().get(i).toFloatArray(), 1e-6f,
                    "weight " + i + " after one step");
        }
        List<Tensor> first = sum.subList(0, 1);
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> split.applyGradients(first));
        assertEquals("applyGradients: model " + split.name() + " has 4 trainable weights, got 1 gradients",
                wrong.getMessage());
    }

    private static List<Tensor> add(List<Tensor> a, List<Tensor> b) {
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            out.add(a.get(i).add(b.get(i)));
        }
        return out;
    }
}
