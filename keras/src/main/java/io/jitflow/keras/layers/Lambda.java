package io.jitflow.keras.layers;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A layer that is a Java function of its input, without weights, as keras.layers.Lambda: its
 * output shape is found by running the function once, eagerly, on zeros of one example.
 */
public final class Lambda extends Layer {
    private final UnaryOperator<Tensor> function;

    public Lambda(UnaryOperator<Tensor> function) {
        super("lambda");
        this.function = function;
    }

    @Override
    protected Shape create(Shape input) {
        List<Dim> example = new ArrayList<>(input.dims());
        example.set(0, Dim.of(1));
        Tensor out = Jf.eagerly(() -> function.apply(Jf.zeros(DType.FLOAT32, Shape.of(example).sizes())));
        List<Dim> dims = new ArrayList<>(out.type().shape().dims());
        if (dims.isEmpty() || dims.get(0).size() != 1) {
            throw new IllegalArgumentException("Lambda " + name() + ": the function must keep the batch dim first, got "
                    + out.type() + " for an input of one example " + Shape.of(example));
        }
        dims.set(0, input.dim(0));
        return Shape.of(dims);
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        return function.apply(x);
    }
}
