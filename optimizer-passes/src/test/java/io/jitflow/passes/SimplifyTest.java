package io.jitflow.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.DType;
import io.jitflow.ir.Function;
import io.jitflow.ir.FunctionBuilder;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.Op;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.Value;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SimplifyTest {
    private static Function negOfX() {
        FunctionBuilder fb = new FunctionBuilder("f", InferenceContext.NO_VARIABLES);
        Value x = fb.input("x", TensorType.of(DType.FLOAT32, 2));
        return fb.output("y", fb.add(Op.NEG, Attributes.empty(), x)).build();
    }

    @Test
    void aRuleThatNeverReachesAFixedPointIsNamed() {
        Simplify.Rule renew = new Simplify.Rule("renew-neg", Set.of(Op.NEG),
                (n, in, f, r) -> r.emit(Op.NEG, n.attributes(), in, n.location()));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new Simplify(List.of(renew)).run(negOfX(), InferenceContext.NO_VARIABLES));
        assertEquals("simplify reaches no fixed point in @f: after 10 rounds rule(s) renew-neg still rewrite",
                e.getMessage());
    }

    @Test
    void rulesAreTriedOnlyOnTheirRootOps() {
        Simplify.Rule wrongRoot = new Simplify.Rule("on-add", Set.of(Op.ADD),
                (n, in, f, r) -> r.emit(Op.NEG, n.attributes(), in, n.location()));
        Function f = negOfX();
        assertEquals(f, new Simplify(List.of(wrongRoot)).run(f, InferenceContext.NO_VARIABLES));
    }
}
