package io.jitflow;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.Function;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.NodeFactory;
import io.jitflow.ir.Op;
import io.jitflow.ir.grad.OpBuilder;
import io.jitflow.ir.grad.OpValue;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Where ops go: the eager context runs them now; a tracing context (see {@code Jit}) adds them to
 * a graph. Every op a user calls, and every op a gradient rule emits, passes through
 * {@link #dispatch}, which also lets the active {@link GradientTape}s record it.
 */
abstract class ExecutionContext implements OpBuilder {
    private static final ThreadLocal<Deque<ExecutionContext>> STACK = ThreadLocal.withInitial(ArrayDeque::new);

    /** Runs or records one op (with its regions, for control flow) on tensors of this context; the attributes are complete. */
    abstract List<Tensor> execute(Op op, Attributes attrs, List<Tensor> operands, List<Function> regions);

    /**
     * Whether gradient tapes record the ops of this context: not those of a region being traced
     * (a cond branch, a loop body), since the control-flow op that holds the region is recorded.
     */
    boolean recordsOnTapes() {
        return true;
    }

    /** A tensor holding {@code value} in this context. */
    abstract Tensor constantTensor(HostTensor value);

    /** Reads a variable: its value now (eager) or a read in the graph (tracing). */
    abstract Tensor readVariable(Variable variable);

    /** Assigns a value of the variable's type: at once (eager) or when the traced function returns. */
    abstract void assignVariable(Variable variable, Tensor value);

    static ExecutionContext current() {
        ExecutionContext c = STACK.get().peek();
        return c != null ? c : EagerContext.INSTANCE;
    }

    /** A span of code during which a context is current. */
    interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** Makes {@code context} current until the returned scope is closed. */
    static Scope enter(ExecutionContext context) {
        Deque<ExecutionContext> stack = STACK.get();
        stack.push(context);
        return stack::pop;
    }

    /** Applies an op in the current context and lets active tapes record it. */
    static List<Tensor> dispatch(Op op, Attributes attrs, List<Tensor> operands) {
        return dispatch(op, attrs, operands, List.of());
    }

    static List<Tensor> dispatch(Op op, Attributes attrs, List<Tensor> operands, List<Function> regions) {
        Attributes complete = NodeFactory.complete(op, attrs);
        ExecutionContext context = current();
        List<Tensor> results = context.execute(op, complete, operands, regions);
        if (context.recordsOnTapes()) {
            GradientTape.recordOnActiveTapes(op, complete, operands, results, regions);
        }
        return results;
    }

    static Tensor dispatchOne(Op op, Attributes attrs, Tensor... operands) {
        return dispatch(op, attrs, List.of(operands)).get(0);
    }

    @Override
    public List<OpValue> apply(Op op, Attributes attrs, List<OpValue> operands, List<Function> regions) {
        List<Tensor> tensors = new ArrayList<>();
        for (OpValue v : operands) {
            tensors.add((Tensor) v);
        }
        return new ArrayList<>(dispatch(op, attrs, tensors, regions));
    }

    @Override
    public OpValue constant(HostTensor value) {
        return constantTensor(value);
    }
}
