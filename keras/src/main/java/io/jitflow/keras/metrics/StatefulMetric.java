package io.jitflow.keras.metrics;

import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.HostTensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A metric that accumulates over the batches of an epoch, as Keras's metric objects: its state
 * lives in variables, {@link #updateState} adds a batch (eagerly, or inside a compiled training
 * step, whose assignments take effect when the step returns), {@link #result()} is the value so
 * far, {@link #resetState} starts again (fit does at each epoch, evaluate at each call). A subclass
 * says what its state starts as, how a batch changes it and how the result follows from it, each
 * as a pure function of tensors.
 */
public abstract class StatefulMetric {
    private final String name;
    private List<Variable> state;

    protected StatefulMetric(String name) {
        this.name = name;
    }

    /** The name fit logs it under, as Keras prints it ("precision", "auc", ...). */
    public String name() {
        return name;
    }

    /** The state's starting values. */
    protected abstract List<HostTensor> initialState();

    /** The state after a batch of labels and predictions. */
    protected abstract List<Tensor> update(List<Tensor> state, Tensor yTrue, Tensor yPred);

    /** The metric's value for a state. */
    protected abstract Tensor result(List<Tensor> state);

    /** Adds a batch; returns the result including it. */
    public final Tensor updateState(Tensor yTrue, Tensor yPred) {
        List<Variable> variables = variables();
        List<Tensor> current = variables.stream().map(Variable::asTensor).toList();
        List<Tensor> next = update(current, yTrue, yPred);
        for (int i = 0; i < next.size(); i++) {
            variables.get(i).assign(next.get(i));
        }
        return result(next);
    }

    /** The value over the batches added since the last reset. */
    public final double result() {
        return result(variables().stream().map(Variable::asTensor).toList()).doubleValue();
    }

    public final void resetState() {
        List<HostTensor> initial = initialState();
        List<Variable> variables = variables();
        for (int i = 0; i < variables.size(); i++) {
            variables.get(i).assign(Tensor.of(initial.get(i)));
        }
    }

    /** The state's variables, made on first use with concrete values (so also inside a traced step). */
    public final List<Variable> variables() {
        if (state == null) {
            List<Variable> made = new ArrayList<>();
            List<HostTensor> initial = initialState();
            for (int i = 0; i < initial.size(); i++) {
                made.add(new Variable(Tensor.of(initial.get(i)), name + "/state" + i, false));
            }
            state = made;
        }
        return state;
    }

    @Override
    public String toString() {
        return name;
    }
}
