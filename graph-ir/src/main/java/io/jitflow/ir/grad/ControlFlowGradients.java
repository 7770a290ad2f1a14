package io.jitflow.ir.grad;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.DType;
import io.jitflow.ir.Function;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.IrException;
import io.jitflow.ir.Node;
import io.jitflow.ir.Op;
import io.jitflow.ir.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gradient rules of cond, scan and while, written with the same builder as every other rule,
 * so that they differentiate again:
 * <ul>
 * <li>cond: a cond over both branches' vector-Jacobian products, chosen by the same predicate.</li>
 * <li>scan: the scan again, its body also giving the carry that enters each step (saved for the
 *     backward pass), then a scan the other way whose body is the body's vector-Jacobian product:
 *     it carries the carried values' gradients and the captures' summed gradients, and stacks the
 *     scanned values' gradients.</li>
 * <li>while with {@code max_iterations}: the loop as a scan over that many steps whose body runs the
 *     loop's body under a cond while the loop is still running (a flag carried along), and the
 *     gradient of that. An unbounded while has none: reverse mode needs the bound, as in TensorFlow.</li>
 * </ul>
 */
final class ControlFlowGradients {
    private ControlFlowGradients() {
    }

    static List<OpValue> cond(GradientRule.Call c) {
        List<OpValue> operands = new ArrayList<>(c.inputs());
        for (int i = 0; i < c.outputs().size(); i++) {
            if (floating(c.outputs().get(i))) {
                operands.add(c.upstream().get(i));
            }
        }
        Function then = vjpRegion(c.regions().get(0), "then");
        Function otherwise = vjpRegion(c.regions().get(1), "else");
        List<OpValue> result = new ArrayList<>();
        result.add(null);
        if (then.outputs().isEmpty()) {
            c.inputs().subList(1, c.inputs().size()).forEach(x -> result.add(null));
            return result;
        }
        List<OpValue> grads = c.b().apply(Op.COND, Attributes.empty(), operands, List.of(then, otherwise));
        int next = 0;
        for (OpValue capture : c.inputs().subList(1, c.inputs().size())) {
            result.add(floating(capture) ? grads.get(next++) : null);
        }
        return result;
    }

    static List<OpValue> scan(GradientRule.Call c) {
        int carried = (int) c.attrs().getInt("carried");
        int scanned = (int) c.attrs().getInt("scanned");
        Function body = c.regions().get(0);
        List<OpValue> inputs = c.inputs();
        int perStep = body.outputs().size() - carried;

        // The forward pass again, also stacking the carry that enters each step.
        List<Function.Output> saving = new ArrayList<>(body.outputs());
        java.util.Set<String> names = new java.util.HashSet<>();
        body.outputs().forEach(o -> names.add(o.name()));
        for (int i = 0; i < carried; i++) {
            String name = "entering" + i;
            while (!names.add(name)) {
                name = "_" + name;
            }
            saving.add(new Function.Output(name, body.inputs().get(i)));
        }
        Function savingBody = new Function(body.name(), body.inputs(), body.nodes(), saving);
        List<OpValue> forward = c.b().apply(Op.SCAN, c.attrs(), inputs, List.of(savingBody));
        List<OpValue> entering = forward.subList(carried + perStep, forward.size());

        List<Integer> floatCarried = floatingAmong(inputs, 0, carried);
        List<Integer> floatScanned = floatingAmong(inputs, carried, carried + scanned);
        List<Integer> floatCaptured = floatingAmong(inputs, carried + scanned, inputs.size());
        List<Integer> floatPerStep = floatingAmong(c.outputs(), carried, carried + perStep);

        List<OpValue> operands = new ArrayList<>();
        floatCarried.forEach(i -> operands.add(c.upstream().get(i)));
        floatCaptured.forEach(i -> operands.add(c.b().fillLike(inputs.get(i), 0)));
        operands.addAll(entering);
        operands.addAll(inputs.subList(carried, carried + scanned));
        floatPerStep.forEach(i -> operands.add(c.upstream().get(i)));
        operands.addAll(inputs.subList(carried + scanned, inputs.size()));

        RegionBuilder r = new RegionBuilder("body");
        List<OpValue> carryGrads = inputsOf(r, floatCarried.stream().map(i -> inputs.get(i)).toList());
        List<OpValue> captureSums = inputsOf(r, floatCaptured.stream().map(i -> inputs.get(i)).toList());
        List<OpValue> args = new ArrayList<>();
        for (int i = 0; i < carried + scanned; i++) {
            args.add(r.input(body.inputs().get(i).type()));
        }
        List<OpValue> stepGrads = new ArrayList<>();
        for (int i : floatPerStep) {
            stepGrads.add(r.input(body.outputs().get(i).value().type()));
        }
        for (int i = carried + scanned; i < inputs.size(); i++) {
            args.add(r.input(body.inputs().get(i).type()));
        }
        List<OpValue> cotangents = new ArrayList<>();
        for (int i = 0; i < body.outputs().size(); i++) {
            int carriedAt = floatCarried.indexOf(i);
            int perStepAt = floatPerStep.indexOf(i);
            cotangents.add(carriedAt >= 0 ? carryGrads.get(carriedAt) : perStepAt >= 0 ? stepGrads.get(perStepAt) : null);
        }
        List<OpValue> grads = vjp(r, body, args, cotangents);
        List<OpValue> outputs = new ArrayList<>();
        floatCarried.forEach(i -> outputs.add(orZeros(r, grads.get(i), args.get(i))));
        for (int j = 0; j < floatCaptured.size(); j++) {
            OpValue g = grads.get(floatCaptured.get(j));
            outputs.add(g == null ? captureSums.get(j) : r.add(captureSums.get(j), g));
        }
        floatScanned.forEach(i -> outputs.add(orZeros(r, grads.get(i), args.get(i))));

        Attributes attrs = Attributes.builder()
                .put("carried", (long) (floatCarried.size() + floatCaptured.size()))
                .put("scanned", (long) (carried + scanned + floatPerStep.size()))
                .put("reverse", !c.attrs().getBool("reverse"))
                .put("length", c.attrs().getInt("length")).build();
        List<OpValue> backward = c.b().apply(Op.SCAN, attrs, operands, List.of(r.build(outputs)));
        OpValue[] result = new OpValue[inputs.size()];
        int next = 0;
        for (int i : floatCarried) {
            result[i] = backward.get(next++);
        }
        for (int i : floatCaptured) {
            result[i] = backward.get(next++);
        }
        for (int i : floatScanned) {
            result[i] = backward.get(next++);
        }
        return java.util.Arrays.asList(result);
    }

    static List<OpValue> whileLoop(GradientRule.Call c) {
        long bound = c.attrs().getInt("max_iterations");
        if (bound < 0) {
            throw new IrException("while: a loop without max_iterations has no gradient; give Jf.whileLoop a maximum "
                    + "number of iterations (reverse mode must know how many steps to keep, as in TensorFlow)");
        }
        Backprop.Recorder recorder = new Backprop.Recorder(c.b());
        List<OpValue> results = asScan(recorder, bound, c.inputs(), c.regions().get(0), c.regions().get(1));
        Map<OpValue, OpValue> grads = new IdentityHashMap<>();
        for (int i = 0; i < results.size(); i++) {
            if (floating(results.get(i))) {
                grads.put(results.get(i), c.upstream().get(i));
            }
        }
        Backprop.run(c.b(), recorder.steps(), grads, ControlFlowGradients::floating);
        return c.inputs().stream().map(grads::get).toList();
    }

    /**
     * A bounded while as a scan over {@code bound} steps: the carried values and a running flag (the
     * condition so far) are carried; a step runs the body, then the condition, under a cond on the flag.
     */
    private static List<OpValue> asScan(OpBuilder b, long bound, List<OpValue> inputs, Function condition, Function body) {
        int carried = body.outputs().size();
        List<OpValue> captures = inputs.subList(carried, inputs.size());
        OpValue running = inline(b, condition, inputs).get(0);

        RegionBuilder then = new RegionBuilder("then");
        List<OpValue> thenArgs = inputsOf(then, inputs);
        List<OpValue> next = new ArrayList<>(inline(then, body, thenArgs));
        List<OpValue> nextArgs = new ArrayList<>(next);
        nextArgs.addAll(thenArgs.subList(carried, thenArgs.size()));
        next.add(inline(then, condition, nextArgs).get(0));

        RegionBuilder otherwise = new RegionBuilder("else");
        List<OpValue> same = new ArrayList<>(inputsOf(otherwise, inputs).subList(0, carried));
        same.add(otherwise.constant(HostTensor.scalar(DType.BOOL, 0)));

        RegionBuilder step = new RegionBuilder("body");
        List<OpValue> stepArgs = inputsOf(step, inputs.subList(0, carried));
        OpValue flag = step.input(running.type());
        List<OpValue> stepCaptures = inputsOf(step, captures);
        List<OpValue> condOperands = new ArrayList<>();
        condOperands.add(flag);
        condOperands.addAll(stepArgs);
        condOperands.addAll(stepCaptures);
        List<OpValue> stepped = step.apply(Op.COND, Attributes.empty(), condOperands,
                List.of(then.build(next), otherwise.build(same)));

        List<OpValue> operands = new ArrayList<>(inputs.subList(0, carried));
        operands.add(running);
        operands.addAll(captures);
        Attributes attrs = Attributes.builder().put("carried", (long) carried + 1).put("scanned", 0L)
                .put("length", bound).build();
        return b.apply(Op.SCAN, attrs, operands, List.of(step.build(stepped))).subList(0, carried);
    }

    /** Applies a region's nodes through {@code b} to {@code args}; returns the region's outputs. */
    static List<OpValue> inline(OpBuilder b, Function region, List<OpValue> args) {
        Map<String, OpValue> values = new HashMap<>();
        for (int i = 0; i < args.size(); i++) {
            values.put(region.inputs().get(i).name(), args.get(i));
        }
        for (Node n : region.nodes()) {
            List<OpValue> operands = n.inputs().stream().map(v -> values.get(v.name())).toList();
            List<OpValue> results = b.apply(n.op(), n.attributes(), operands, n.regions());
            for (int k = 0; k < results.size(); k++) {
                values.put(n.outputs().get(k).name(), results.get(k));
            }
        }
        return region.outputs().stream().map(o -> values.get(o.value().name())).toList();
    }

    /**
     * The gradient of each of a region's inputs (null where none flows or it is not floating), given
     * its arguments and a cotangent per output (null for none): the region applied through {@code b},
     * then differentiated backwards.
     */
    static List<OpValue> vjp(OpBuilder b, Function region, List<OpValue> args, List<OpValue> cotangents) {
        Backprop.Recorder recorder = new Backprop.Recorder(b);
        List<OpValue> outputs = inline(recorder, region, args);
        Map<OpValue, OpValue> grads = new IdentityHashMap<>();
        for (int i = 0; i < outputs.size(); i++) {
            if (cotangents.get(i) != null) {
                grads.merge(outputs.get(i), cotangents.get(i), b::add);
            }
        }
        Backprop.run(b, recorder.steps(), grads, ControlFlowGradients::floating);
        return args.stream().map(a -> floating(a) ? grads.get(a) : null).toList();
    }

    /**
     * A region computing {@code region}'s vector-Jacobian product: it takes the region's inputs, then
     * a cotangent per floating output, and gives the gradient of each floating input (zeros where none flows).
     */
    private static Function vjpRegion(Function region, String name) {
        RegionBuilder r = new RegionBuilder(name);
        List<OpValue> args = new ArrayList<>();
        for (Value in : region.inputs()) {
            args.add(r.input(in.type()));
        }
        List<OpValue> cotangents = new ArrayList<>();
        for (Function.Output out : region.outputs()) {
            cotangents.add(out.value().type().dtype().isFloating() ? r.input(out.value().type()) : null);
        }
        List<OpValue> grads = vjp(r, region, args, cotangents);
        List<OpValue> outputs = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            if (floating(args.get(i))) {
                outputs.add(orZeros(r, grads.get(i), args.get(i)));
            }
        }
        return r.build(outputs);
    }

    private static List<OpValue> inputsOf(RegionBuilder r, List<OpValue> like) {
        List<OpValue> inputs = new ArrayList<>();
        for (OpValue v : like) {
            inputs.add(r.input(v.type()));
        }
        return inputs;
    }

    private static OpValue orZeros(OpBuilder b, OpValue g, OpValue like) {
        return g != null ? g : b.fillLike(like, 0);
    }

    private static List<Integer> floatingAmong(List<OpValue> values, int from, int to) {
        List<Integer> indices = new ArrayList<>();
        for (int i = from; i < to; i++) {
            if (floating(values.get(i))) {
                indices.add(i);
            }
        }
        return indices;
    }

    private static boolean floating(OpValue v) {
        return v.type().dtype().isFloating();
    }
}
