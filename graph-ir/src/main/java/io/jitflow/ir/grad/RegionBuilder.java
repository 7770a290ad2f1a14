package io.jitflow.ir.grad;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.Function;
import io.jitflow.ir.FunctionBuilder;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.Op;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a region (a function without state) through the {@link OpBuilder} interface, so that
 * gradient rules can write the regions of the control-flow ops they emit. Call order: {@link #input}
 * for each input, ops through {@link #apply}, then {@link #build}.
 */
public final class RegionBuilder implements OpBuilder {
    private final FunctionBuilder builder;
    private int inputs;

    public RegionBuilder(String name) {
        this.builder = new FunctionBuilder(name, InferenceContext.NO_VARIABLES);
    }

    /** A new input of the region, after those added before. */
    public OpValue input(TensorType type) {
        return new GraphValue(builder.input("a" + inputs++, type));
    }

    @Override
    public List<OpValue> apply(Op op, Attributes attrs, List<OpValue> operands, List<Function> regions) {
        List<Value> values = operands.stream().map(RegionBuilder::valueOf).toList();
        List<OpValue> results = new ArrayList<>();
        for (Value v : builder.add(op, attrs, values, regions, null)) {
            results.add(new GraphValue(v));
        }
        return results;
    }

    @Override
    public OpValue constant(HostTensor value) {
        return one(Op.CONSTANT, Attributes.builder().put("value", value).build());
    }

    /** The region, returning {@code outputs} in order, named {@code y0, y1, ...}. */
    public Function build(List<OpValue> outputs) {
        for (int i = 0; i < outputs.size(); i++) {
            builder.output("y" + i, valueOf(outputs.get(i)));
        }
        return builder.build();
    }

    private static Value valueOf(OpValue v) {
        if (!(v instanceof GraphValue g)) {
            throw new IllegalArgumentException("a region can only use its own values, got " + v);
        }
        return g.value();
    }
}
