package io.jitflow.ir.grad;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.Function;
import java.util.List;

/** An op's vector-Jacobian product: its operands' gradients from its results' gradients. */
@FunctionalInterface
public interface GradientRule {
    /** One gradient per operand, {@code null} where none flows (integer operands, indices, conditions). */
    List<OpValue> apply(Call call);

    /** The node being differentiated (its regions too, for control flow), with the builder to emit gradient ops through. */
    record Call(OpBuilder b, Attributes attrs, List<OpValue> inputs, List<OpValue> outputs, List<OpValue> upstream,
                List<Function> regions) {
        public OpValue x() {
            return inputs.get(0);
        }

        public OpValue input(int i) {
            return inputs.get(i);
        }

        public OpValue y() {
            return outputs.get(0);
        }

        public OpValue g() {
            return upstream.get(0);
        }
    }
}
