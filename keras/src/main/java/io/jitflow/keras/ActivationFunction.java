package io.jitflow.keras;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import java.util.List;
import java.util.function.UnaryOperator;

/** An activation function, by Keras's name or as an object: {@code ActivationFunction.of("relu")}. */
public interface ActivationFunction {
    String name();

    Tensor apply(Tensor x);

    ActivationFunction LINEAR = named("linear", x -> x);
    ActivationFunction RELU = named("relu", Jf::relu);
    ActivationFunction SIGMOID = named("sigmoid", Jf::sigmoid);
    ActivationFunction TANH = named("tanh", Jf::tanh);
    ActivationFunction SOFTMAX = named("softmax", Jf::softmax);
    ActivationFunction ELU = named("elu", Jf::elu);
    ActivationFunction SELU = named("selu", Jf::selu);
    ActivationFunction SOFTPLUS = named("softplus", Jf::softplus);
    ActivationFunction GELU = named("gelu", x -> Jf.gelu(x, false));
    ActivationFunction LEAKY_RELU = named("leaky_relu", x -> Jf.leakyRelu(x, 0.3));

    static ActivationFunction named(String name, UnaryOperator<Tensor> f) {
        return new ActivationFunction() {
            public String name() {
                return name;
            }

            public Tensor apply(Tensor x) {
                return f.apply(x);
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    /** The activation called {@code name} (null means linear), or an error listing the known ones. */
    static ActivationFunction of(String name) {
        if (name == null) {
            return LINEAR;
        }
        for (ActivationFunction f : List.of(LINEAR, RELU, SIGMOID, TANH, SOFTMAX, ELU, SELU, SOFTPLUS, GELU, LEAKY_RELU)) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown activation '" + name + "' (known: linear, relu, sigmoid, tanh, "
                + "softmax, elu, selu, softplus, gelu, leaky_relu)");
    }
}
