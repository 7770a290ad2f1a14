package io.jitflow.keras.layers;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import io.jitflow.keras.Initializer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Maps integer indices in [0, inputDim) to rows of a trainable {@code inputDim x outputDim} table,
 * as keras.layers.Embedding: a gather, whose gradient adds into the rows used. Float inputs holding
 * whole numbers are taken as indices (fit casts features to float32); an index out of range stops
 * the call with an error naming it.
 */
public final class Embedding extends Layer {
    private final int inputDim;
    private final int outputDim;
    private Initializer initializer = Initializer.randomUniform(-0.05, 0.05);
    private final long seed = Jf.nextSeed();
    private Variable embeddings;

    public Embedding(int inputDim, int outputDim) {
        super("embedding");
        if (inputDim <= 0 || outputDim <= 0) {
            throw new IllegalArgumentException("Embedding needs inputDim > 0 and outputDim > 0, got " + inputDim + " and "
                    + outputDim);
        }
        this.inputDim = inputDim;
        this.outputDim = outputDim;
    }

    public Embedding embeddingsInitializer(Initializer init) {
        this.initializer = init;
        return this;
    }

    @Override
    protected Shape create(Shape input) {
        embeddings = addWeight("embeddings", new int[] {inputDim, outputDim}, initializer, seed);
        List<Dim> dims = new ArrayList<>(input.dims());
        dims.add(Dim.of(outputDim));
        return Shape.of(dims);
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        Tensor indices = x.dtype() == DType.INT32 || x.dtype() == DType.INT64 ? x : x.cast(DType.INT32);
        return Jf.gather(embeddings, indices, 0);
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("input_dim", inputDim);
        config.put("output_dim", outputDim);
        config.put("embeddings_initializer", initializerConfig("embeddings", initializer));
    }
}
