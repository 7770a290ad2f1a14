package io.jitflow;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.EvalCall;
import io.jitflow.ir.EvalContext;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.NodeFactory;
import io.jitflow.ir.Op;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs each op as soon as it is called. Types are inferred first, so a bad call fails with the
 * op's message before any work; values come from the reference semantics until compiled kernels
 * take over this path.
 */
final class EagerContext extends ExecutionContext {
    static final EagerContext INSTANCE = new EagerContext();

    private static final EvalContext NO_STATE = new EvalContext() {
        @Override
        public HostTensor readVariable(String name) {
            throw new IllegalStateException("eager ops read variables through Variable");
        }

        @Override
        public void assignVariable(String name, HostTensor value) {
            throw new IllegalStateException("eager ops assign variables through Variable");
        }

        @Override
        public int[] resolve(Shape shape) {
            return shape.sizes();
        }
    };

    private EagerContext() {
    }

    @Override
    List<Tensor> execute(Op op, Attributes attrs, List<Tensor> operands) {
        List<TensorType> types = new ArrayList<>();
        List<HostTensor> values = new ArrayList<>();
        for (Tensor t : operands) {
            types.add(t.type());
            values.add(t.value());
        }
        NodeFactory.infer(op, types, attrs, name -> null);
        List<HostTensor> results = op.definition().evaluation().evaluate(new EvalCall(op, values, attrs, NO_STATE));
        List<Tensor> tensors = new ArrayList<>();
        for (HostTensor r : results) {
            tensors.add(new Tensor(r));
        }
        return tensors;
    }

    @Override
    Tensor constantTensor(HostTensor value) {
        return new Tensor(value);
    }

    @Override
    Tensor readVariable(Variable variable) {
        return new Tensor(variable.current());
    }

    @Override
    void assignVariable(Variable variable, Tensor value) {
        variable.store(value.value());
    }
}
