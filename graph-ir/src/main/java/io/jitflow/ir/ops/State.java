package io.jitflow.ir.ops;

import io.jitflow.ir.Attr;
import io.jitflow.ir.AttrSpec;
import io.jitflow.ir.OpDef;
import io.jitflow.ir.TensorType;
import java.util.List;

/** Reading and assigning variables. Stateful nodes execute in program order. */
public final class State {
    private State() {
    }

    /** read_variable() {name}: the variable's current value. */
    public static OpDef read() {
        return OpDef.builder().operands(0)
                .attr(AttrSpec.required("name", Attr.Kind.STRING))
                .infer(c -> List.of(variableType(c)))
                .evaluate(c -> List.of(c.context().readVariable(c.attrs().getString("name"))))
                .build();
    }

    /** assign_variable(value) {name}: the value must have the variable's dtype and shape. */
    public static OpDef assign() {
        return OpDef.builder().operands(1)
                .attr(AttrSpec.required("name", Attr.Kind.STRING))
                .infer(c -> {
                    TensorType target = variableType(c);
                    if (!c.operand(0).equals(target)) {
                        throw c.error("cannot assign a value of type " + c.operand(0) + " to variable @"
                                + c.attrs().getString("name") + " of type " + target);
                    }
                    return List.of();
                })
                .evaluate(c -> {
                    c.context().assignVariable(c.attrs().getString("name"), c.operand(0));
                    return List.of();
                }).build();
    }

    private static TensorType variableType(io.jitflow.ir.InferCall c) {
        String name = c.attrs().getString("name");
        TensorType type = c.context().variableType(name);
        if (type == null) {
            throw c.error("there is no variable @" + name);
        }
        return type;
    }
}
