package io.jitflow.keras.layers;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import io.jitflow.keras.ActivationFunction;
import io.jitflow.keras.Initializer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The base of SimpleRNN, LSTM and GRU: over inputs [batch, time, features], the input projection
 * {@code x @ kernel + bias} of every step in one matrix product, then a {@link Jf#scan} over the time
 * steps (time-major) whose body applies the recurrent kernel and the gates. In a traced step the
 * body is one region, compiled once whatever the sequence length, and differentiated as a scan.
 * Weights are Keras's: {@code kernel} [features, gates * units], {@code recurrent_kernel}
 * [units, gates * units] and {@code bias}, the gates in Keras's order, so counts and layouts match.
 */
public abstract class Recurrent extends Layer {
    protected final int units;
    protected ActivationFunction activation = ActivationFunction.TANH;
    /** The gates' activation (LSTM and GRU). */
    protected ActivationFunction recurrentActivation = ActivationFunction.SIGMOID;
    private boolean returnSequences;
    private boolean goBackwards;
    private final long seed = Jf.nextSeed();
    protected Variable kernel;
    protected Variable recurrentKernel;
    protected Variable bias;

    protected Recurrent(String baseName, int units) {
        super(baseName);
        if (units <= 0) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " needs units > 0, got " + units);
        }
        this.units = units;
    }

    /** Gives the output of every step, [batch, time, units], instead of the last one's. */
    public Recurrent returnSequences(boolean on) {
        this.returnSequences = on;
        return this;
    }

    /** Runs over the time steps from last to first; the sequence it returns is in that order too, as Keras's. */
    public Recurrent goBackwards(boolean on) {
        this.goBackwards = on;
        return this;
    }

    public boolean returnsSequences() {
        return returnSequences;
    }

    public int units() {
        return units;
    }

    /** How many blocks of {@code units} the kernels hold: 1 (SimpleRNN), 3 (GRU) or 4 (LSTM). */
    protected abstract int gates();

    /** How many states the layer carries: the output h, and for an LSTM the cell state c. */
    protected int stateCount() {
        return 1;
    }

    /** The bias's shape: [gates * units], or GRU's [2, gates * units]. */
    protected int[] biasShape() {
        return new int[] {gates() * units};
    }

    protected Initializer biasInitializer() {
        return Initializer.ZEROS;
    }

    /** The input projection's bias: all of it, or GRU's input half. */
    protected Tensor inputBias() {
        return bias.asTensor();
    }

    /** A new, unbuilt layer of the same kind with {@code units} units and default settings. */
    protected abstract Recurrent newLayer(int units);

    /** A new layer of the same kind and configuration, unbuilt (for {@link Bidirectional}'s second direction). */
    Recurrent sameConfiguration() {
        Recurrent copy = newLayer(units);
        copy.activation = activation;
        copy.recurrentActivation = recurrentActivation;
        return copy.returnSequences(returnSequences);
    }

    /** One step: the projected input of this step [batch, gates * units] and the states, to the new states (h first). */
    protected abstract List<Tensor> step(Tensor projected, List<Tensor> states, Tensor recurrent);

    @Override
    protected Shape create(Shape input) {
        if (input.rank() != 3 || !input.dim(2).isStatic() || !input.dim(1).isStatic()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " " + name()
                    + " needs inputs (batch, time, features) with known time and features, got " + describe(input));
        }
        int features = input.dim(2).size();
        kernel = addWeight("kernel", new int[] {features, gates() * units}, Initializer.GLOROT_UNIFORM, seed);
        recurrentKernel = addWeight("recurrent_kernel", new int[] {units, gates() * units}, Initializer.ORTHOGONAL, seed + 1);
        bias = addWeight("bias", biasShape(), biasInitializer(), seed + 2);
        return returnSequences ? Shape.of(input.dim(0), input.dim(1), Dim.of(units)) : Shape.of(input.dim(0), Dim.of(units));
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        return callWithStates(x).get(0);
    }

    /**
     * Keras's {@code return_state=True}: the output (the sequence or the last step's), then the final
     * states (h, and c for an LSTM).
     */
    public List<Tensor> callWithStates(Tensor x) {
        // Time-major projections [time, batch, gates * units], in the order the steps run.
        Tensor projected = Jf.transpose(Jf.matmul(x, kernel).add(inputBias()), 1, 0, 2);
        if (goBackwards) {
            projected = Jf.slice(projected, "::-1");
        }
        Tensor zeros = Jf.zerosLike(Jf.slice(projected, "0, :, :" + units));
        List<Tensor> init = new ArrayList<>();
        for (int i = 0; i < stateCount(); i++) {
            init.add(zeros);
        }
        Tensor recurrent = recurrentKernel.asTensor();
        List<Tensor> scanned = Jf.scan((states, xs) -> {
            List<Tensor> next = new ArrayList<>(step(xs.get(0), states, recurrent));
            if (returnSequences) {
                next.add(next.get(0));
            }
            return next;
        }, init, List.of(projected));
        List<Tensor> result = new ArrayList<>();
        result.add(returnSequences ? Jf.transpose(scanned.get(stateCount()), 1, 0, 2) : scanned.get(0));
        result.addAll(scanned.subList(0, stateCount()));
        return result;
    }

    /** Columns {@code [gate * units, (gate + 1) * units)} of a [batch, gates * units] tensor. */
    protected Tensor gate(Tensor z, int gate) {
        return Jf.slice(z, ":, " + gate * units + ":" + (gate + 1) * units);
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("units", units);
        config.put("activation", activation.name());
        config.put("return_sequences", returnSequences);
        config.put("go_backwards", goBackwards);
    }
}
