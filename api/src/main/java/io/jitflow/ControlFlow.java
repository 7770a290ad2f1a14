package io.jitflow;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.DType;
import io.jitflow.ir.Function;
import io.jitflow.ir.IrException;
import io.jitflow.ir.Op;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.Value;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * cond, whileLoop and scan (see {@link Jf}): eagerly they run the Java lambdas as they are, so each
 * op runs (and a tape records it) as usual; while tracing, each lambda is traced once into a region
 * of a cond, while or scan op, the tensors it uses from outside becoming the op's captures.
 */
final class ControlFlow {
    private ControlFlow() {
    }

    static List<Tensor> cond(Operand pred, Supplier<List<Tensor>> then, Supplier<List<Tensor>> otherwise) {
        Tensor p = pred.asTensor();
        if (!p.type().equals(new TensorType(DType.BOOL, Shape.scalar()))) {
            throw new IllegalArgumentException("cond: the predicate is " + p.type() + ", expected bool[] (a scalar; "
                    + "for an elementwise choice use Jf.where)");
        }
        if (!(ExecutionContext.current() instanceof TracingContext trace)) {
            return List.copyOf(p.booleanValue() ? then.get() : otherwise.get());
        }
        Region thenRegion = Region.trace(trace, "then", List.of(), args -> then.get());
        Region elseRegion = Region.trace(trace, "else", List.of(), args -> otherwise.get());
        List<Tensor> captures = union(thenRegion.captures, elseRegion.captures);
        List<Tensor> operands = new ArrayList<>();
        operands.add(p);
        operands.addAll(captures);
        return ExecutionContext.dispatch(Op.COND, Attributes.empty(), operands,
                List.of(thenRegion.withCaptures(captures), elseRegion.withCaptures(captures)));
    }

    static List<Tensor> whileLoop(java.util.function.Function<List<Tensor>, Tensor> condition,
                                  java.util.function.Function<List<Tensor>, List<Tensor>> body, long maxIterations,
                                  List<Tensor> init) {
        if (init.isEmpty()) {
            throw new IllegalArgumentException("whileLoop: give at least one loop variable");
        }
        if (!(ExecutionContext.current() instanceof TracingContext trace)) {
            List<Tensor> state = init;
            for (long i = 0; (maxIterations < 0 || i < maxIterations) && predicate(condition.apply(state)).booleanValue(); i++) {
                state = checkedStep(body.apply(state), init, "whileLoop's body");
            }
            return state;
        }
        Region condRegion = Region.trace(trace, "cond", types(init), args -> List.of(predicate(condition.apply(args))));
        Region bodyRegion = Region.trace(trace, "body", types(init), body::apply);
        List<Tensor> captures = union(condRegion.captures, bodyRegion.captures);
        List<Tensor> operands = new ArrayList<>(init);
        operands.addAll(captures);
        return ExecutionContext.dispatch(Op.WHILE, Attributes.builder().put("max_iterations", maxIterations).build(),
                operands, List.of(condRegion.withCaptures(captures), bodyRegion.withCaptures(captures)));
    }

    static List<Tensor> scan(BiFunction<List<Tensor>, List<Tensor>, List<Tensor>> step, List<Tensor> init, List<Tensor> xs,
                             boolean reverse, long length) {
        for (Tensor x : xs) {
            if (x.rank() == 0) {
                throw new IllegalArgumentException("scan: a scanned tensor is " + x.type() + ", expected a leading axis");
            }
        }
        if (xs.isEmpty() && length < 0) {
            throw new IllegalArgumentException("scan: with nothing to scan over, give the number of steps");
        }
        if (!(ExecutionContext.current() instanceof TracingContext trace)) {
            return eagerScan(step, init, xs, reverse, xs.isEmpty() ? length : xs.get(0).shape()[0]);
        }
        List<TensorType> argTypes = new ArrayList<>(types(init));
        for (Tensor x : xs) {
            argTypes.add(x.type().withShape(Shape.of(x.type().shape().dims().subList(1, x.rank()))));
        }
        Region body = Region.trace(trace, "body", argTypes,
                args -> step.apply(args.subList(0, init.size()), args.subList(init.size(), args.size())));
        List<Tensor> operands = new ArrayList<>(init);
        operands.addAll(xs);
        operands.addAll(body.captures);
        Attributes attrs = Attributes.builder().put("carried", (long) init.size()).put("scanned", (long) xs.size())
                .put("reverse", reverse).put("length", length).build();
        return ExecutionContext.dispatch(Op.SCAN, attrs, operands, List.of(body.withCaptures(body.captures)));
    }

    private static List<Tensor> eagerScan(BiFunction<List<Tensor>, List<Tensor>, List<Tensor>> step, List<Tensor> init,
                                          List<Tensor> xs, boolean reverse, long length) {
        List<Tensor> carry = init;
        List<List<Tensor>> outputs = new ArrayList<>();
        for (long i = 0; i < length; i++) {
            long t = reverse ? length - 1 - i : i;
            List<Tensor> slices = xs.stream().map(x -> Jf.get(x, Index.at(t))).toList();
            List<Tensor> out = step.apply(carry, slices);
            if (out.size() < init.size()) {
                throw new IllegalArgumentException("scan: the step gives " + out.size() + " tensors, expected the "
                        + init.size() + " carried ones first");
            }
            carry = checkedStep(out.subList(0, init.size()), init, "scan's step");
            outputs.add(out.subList(init.size(), out.size()));
        }
        List<Tensor> results = new ArrayList<>(carry);
        if (outputs.isEmpty()) {
            return results;
        }
        for (int k = 0; k < outputs.get(0).size(); k++) {
            List<Tensor> column = new ArrayList<>();
            for (int i = 0; i < outputs.size(); i++) {
                column.add(outputs.get(reverse ? outputs.size() - 1 - i : i).get(k));
            }
            results.add(Jf.stack(column, 0));
        }
        return results;
    }

    private static Tensor predicate(Tensor p) {
        if (!p.type().equals(new TensorType(DType.BOOL, Shape.scalar()))) {
            throw new IllegalArgumentException("whileLoop: the condition gives " + p.type() + ", expected bool[]");
        }
        return p;
    }

    /** A loop keeps its variables' types from step to step, as TensorFlow requires. */
    private static List<Tensor> checkedStep(List<Tensor> next, List<Tensor> init, String what) {
        if (!types(next).equals(types(init))) {
            throw new IllegalArgumentException(what + " gives " + types(next) + " but the loop variables are "
                    + types(init) + "; each step must keep their number, dtypes and shapes");
        }
        return List.copyOf(next);
    }

    private static List<TensorType> types(List<Tensor> tensors) {
        return tensors.stream().map(Tensor::type).toList();
    }

    /** The tensors of {@code a}, then those of {@code b} not in {@code a} (by identity). */
    private static List<Tensor> union(List<Tensor> a, List<Tensor> b) {
        List<Tensor> all = new ArrayList<>(a);
        for (Tensor t : b) {
            if (a.stream().noneMatch(x -> x == t)) {
                all.add(t);
            }
        }
        return all;
    }

    /** A traced region: its function (explicit inputs, then its own captures) and those captures. */
    private record Region(Function function, int explicit, List<Tensor> captures) {
        static Region trace(TracingContext enclosing, String name, List<TensorType> argTypes,
                            java.util.function.Function<List<Tensor>, List<Tensor>> body) {
            TracingContext region = enclosing.region(name);
            List<Tensor> args = new ArrayList<>();
            for (int i = 0; i < argTypes.size(); i++) {
                args.add(region.input("a" + i, argTypes.get(i)));
            }
            List<Tensor> results;
            try (ExecutionContext.Scope scope = ExecutionContext.enter(region)) {
                results = body.apply(args);
            }
            if (results == null || results.isEmpty()) {
                throw new IrException(name + ": a region must give at least one tensor");
            }
            Function f = region.finishRegion(results);
            return new Region(f, argTypes.size(), List.copyOf(region.captures()));
        }

        /** The function taking {@code all} captures in that order (its own among them), unused ones included. */
        Function withCaptures(List<Tensor> all) {
            Map<Tensor, Value> own = new IdentityHashMap<>();
            for (int i = 0; i < captures.size(); i++) {
                own.put(captures.get(i), function.inputs().get(explicit + i));
            }
            List<Value> inputs = new ArrayList<>(function.inputs().subList(0, explicit));
            for (int i = 0; i < all.size(); i++) {
                Value v = own.get(all.get(i));
                inputs.add(v != null ? v : new Value("unused" + i, all.get(i).type()));
            }
            return new Function(function.name(), inputs, function.nodes(), function.outputs());
        }
    }
}
