package io.jitflow.spark;

import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.HostTensor;
import io.jitflow.keras.Model;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the tasks of a {@link SparkTrainer} know of the model: its JSON and compile config, made into
 * compiled copies that tasks take and give back, and the variable values that travel between driver
 * and tasks as doubles (exact for float32, and for the step count).
 */
final class Replicas implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Pool<Model> MODELS = new Pool<>();

    private final String json;
    private final LinkedHashMap<String, Object> compile;
    private final int[] featureShape;

    Replicas(String json, Map<String, Object> compile, int[] featureShape) {
        this.json = json;
        this.compile = new LinkedHashMap<>(compile);
        this.featureShape = featureShape;
    }

    int[] featureShape() {
        return featureShape;
    }

    /** {@code body} run on a compiled copy of the model that no other task uses meanwhile. */
    <T> T withModel(java.util.function.Function<Model, T> body) {
        String key = json + "\n" + compile;
        Model m = MODELS.take(key, () -> {
            Model made = Model.fromJson(json);
            made.compileFromConfig(compile);
            made.optimizer().build(made.trainableWeights());
            return made;
        });
        try {
            return body.apply(m);
        } finally {
            MODELS.give(key, m);
        }
    }

    static double[][] values(List<Variable> variables) {
        double[][] out = new double[variables.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = variables.get(i).asTensor().toHostTensor().toDoubleArray();
        }
        return out;
    }

    /** Sets each variable to its values, in its own dtype and shape. */
    static void assign(List<Variable> variables, double[][] values, int from) {
        for (int i = 0; i < variables.size(); i++) {
            Variable v = variables.get(i);
            HostTensor.Writer w = HostTensor.writer(v.dtype(), v.shape());
            double[] source = values[from + i];
            for (int j = 0; j < source.length; j++) {
                w.setDouble(j, source[j]);
            }
            v.assign(Tensor.of(w.build()));
        }
    }

    /** The weights that training does not update by gradients (BatchNormalization's moving statistics). */
    static List<Variable> frozen(Model model) {
        List<Variable> trainable = model.trainableWeights();
        List<Variable> out = new ArrayList<>();
        for (Variable v : model.weights()) {
            if (!trainable.contains(v)) {
                out.add(v);
            }
        }
        return out;
    }
}
