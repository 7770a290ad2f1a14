package io.jitflow.ir.ops;

import io.jitflow.ir.Attr;
import io.jitflow.ir.AttrSpec;
import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Function;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.InferCall;
import io.jitflow.ir.Interpreter;
import io.jitflow.ir.OpDef;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.Value;
import io.jitflow.ir.VariableStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ops that hold regions. A region is a function of its own that sees only its inputs: values
 * of the enclosing function reach it as operands of the op (its captures), in the order of the
 * region's trailing inputs.
 * <ul>
 * <li>{@code cond(pred, captures...)} with regions {@code then} and {@code else}, each taking the
 *     captures and giving the same types: the results of the one {@code pred} (a bool scalar) picks.</li>
 * <li>{@code while(carried..., captures...) {max_iterations}} with regions {@code cond} (carried,
 *     captures → bool scalar) and {@code body} (carried, captures → carried): the carried values
 *     after the last iteration, which ends when {@code cond} is false or after {@code max_iterations}
 *     iterations (-1: no bound).</li>
 * <li>{@code scan(carried..., scanned..., captures...) {carried, scanned, reverse, length}} with
 *     region {@code body} (carried, one step of each scanned value, captures → carried, per-step
 *     outputs): steps t = 0 .. T-1 (T - 1 .. 0 when {@code reverse}) over the leading axis of the
 *     scanned values (length T, or the {@code length} attribute when nothing is scanned); results are
 *     the final carried values, then each per-step output stacked along a new leading axis, the
 *     output of step t at position t.</li>
 * </ul>
 */
public final class ControlFlow {
    private ControlFlow() {
    }

    /** Regions run by the reference interpreter never touch variables: the verifier keeps state out of them. */
    private static final VariableStore NO_VARIABLES = new VariableStore();

    public static OpDef cond() {
        return OpDef.builder().operands(1, OpDef.VARIADIC)
                .infer(c -> {
                    requireRegions(c, "then", "else");
                    requirePredicate(c, c.operand(0), "operand 0 (the predicate)");
                    List<TensorType> captures = c.operands().subList(1, c.operands().size());
                    requireInputs(c, c.regions().get(0), captures, "the captures");
                    requireInputs(c, c.regions().get(1), captures, "the captures");
                    List<TensorType> then = outputTypes(c.regions().get(0));
                    List<TensorType> otherwise = outputTypes(c.regions().get(1));
                    if (!then.equals(otherwise)) {
                        throw c.error("region 'then' gives " + then + " but region 'else' gives " + otherwise
                                + "; both branches must give the same types");
                    }
                    return then;
                })
                .evaluate(c -> {
                    List<HostTensor> captures = c.operands().subList(1, c.operands().size());
                    return run(c.regions().get(c.operand(0).getBool(0) ? 0 : 1), captures);
                })
                .build();
    }

    public static OpDef whileLoop() {
        return OpDef.builder().operands(1, OpDef.VARIADIC)
                .attr(AttrSpec.withDefault("max_iterations", new Attr.IntAttr(-1)))
                .infer(c -> {
                    requireRegions(c, "cond", "body");
                    int carried = c.regions().get(1).outputs().size();
                    if (carried == 0 || carried > c.operands().size()) {
                        throw c.error("region 'body' gives " + carried + " values, expected 1 to " + c.operands().size()
                                + " (one per carried operand)");
                    }
                    if (c.attrs().getInt("max_iterations") < -1) {
                        throw c.error("max_iterations is " + c.attrs().getInt("max_iterations")
                                + ", expected -1 (no bound) or a count");
                    }
                    List<TensorType> carriedTypes = c.operands().subList(0, carried);
                    requireInputs(c, c.regions().get(0), c.operands(), "the carried values and captures");
                    requireInputs(c, c.regions().get(1), c.operands(), "the carried values and captures");
                    List<TensorType> condOut = outputTypes(c.regions().get(0));
                    if (condOut.size() != 1 || !condOut.get(0).equals(new TensorType(DType.BOOL, Shape.scalar()))) {
                        throw c.error("region 'cond' gives " + condOut + ", expected one bool[]");
                    }
                    if (!outputTypes(c.regions().get(1)).equals(carriedTypes)) {
                        throw c.error("region 'body' gives " + outputTypes(c.regions().get(1)) + " but the carried values are "
                                + carriedTypes + "; each iteration must keep their types");
                    }
                    return List.copyOf(carriedTypes);
                })
                .evaluate(c -> {
                    int carried = c.regions().get(1).outputs().size();
                    List<HostTensor> state = new ArrayList<>(c.operands());
                    long bound = c.attrs().getInt("max_iterations");
                    for (long i = 0; (bound < 0 || i < bound) && run(c.regions().get(0), state).get(0).getBool(0); i++) {
                        List<HostTensor> next = run(c.regions().get(1), state);
                        for (int k = 0; k < carried; k++) {
                            state.set(k, next.get(k));
                        }
                    }
                    return List.copyOf(state.subList(0, carried));
                })
                .build();
    }

    public static OpDef scan() {
        return OpDef.builder().operands(0, OpDef.VARIADIC)
                .attr(AttrSpec.required("carried", Attr.Kind.INT))
                .attr(AttrSpec.required("scanned", Attr.Kind.INT))
                .attr(AttrSpec.withDefault("reverse", new Attr.BoolAttr(false)))
                .attr(AttrSpec.withDefault("length", new Attr.IntAttr(-1)))
                .infer(ControlFlow::inferScan)
                .evaluate(c -> {
                    int carried = (int) c.attrs().getInt("carried");
                    int scanned = (int) c.attrs().getInt("scanned");
                    int length = scanned > 0 ? c.operand(carried).dim(0) : (int) c.attrs().getInt("length");
                    Function body = c.regions().get(0);
                    List<HostTensor> args = new ArrayList<>(c.operands());
                    List<List<HostTensor>> steps = new ArrayList<>();
                    for (int i = 0; i < length; i++) {
                        int t = c.attrs().getBool("reverse") ? length - 1 - i : i;
                        for (int k = 0; k < scanned; k++) {
                            args.set(carried + k, step(c.operand(carried + k), t));
                        }
                        List<HostTensor> out = run(body, args);
                        for (int k = 0; k < carried; k++) {
                            args.set(k, out.get(k));
                        }
                        steps.add(out.subList(carried, out.size()));
                    }
                    List<HostTensor> results = new ArrayList<>(args.subList(0, carried));
                    List<TensorType> outTypes = outputTypes(body);
                    for (int k = carried; k < outTypes.size(); k++) {
                        int[] shape = c.context().resolve(outTypes.get(k).shape());
                        results.add(stack(outTypes.get(k).dtype(), shape, steps, k - carried, length,
                                c.attrs().getBool("reverse")));
                    }
                    return results;
                })
                .build();
    }

    private static List<TensorType> inferScan(InferCall c) {
        requireRegions(c, "body");
        long carried = c.attrs().getInt("carried");
        long scanned = c.attrs().getInt("scanned");
        int n = c.operands().size();
        if (carried < 0 || scanned < 0 || carried + scanned > n) {
            throw c.error("carried = " + carried + " and scanned = " + scanned + " do not fit " + n + " operands");
        }
        long length = c.attrs().getInt("length");
        Dim steps = null;
        List<TensorType> inputs = new ArrayList<>(c.operands());
        for (int k = (int) carried; k < carried + scanned; k++) {
            TensorType xs = c.operand(k);
            if (xs.rank() == 0) {
                throw c.error("scanned operand " + k + " is " + xs + ", expected a leading axis to scan over");
            }
            if (steps == null) {
                steps = xs.shape().dim(0);
            } else if (!steps.equals(xs.shape().dim(0))) {
                throw c.error("scanned operand " + k + " is " + xs + " but operand " + carried + " has " + steps
                        + " steps; every scanned value needs the same leading size");
            }
            inputs.set(k, xs.withShape(Shape.of(xs.shape().dims().subList(1, xs.rank()))));
        }
        if (steps == null) {
            if (length < 0) {
                throw c.error("nothing is scanned, so the length attribute must give the number of steps");
            }
            steps = Dim.of((int) length);
        } else if (length >= 0 && !steps.equals(Dim.of((int) length))) {
            throw c.error("length = " + length + " but the scanned values have " + steps + " steps");
        }
        Function body = c.regions().get(0);
        requireInputs(c, body, inputs, "the carried values, one step of each scanned value and the captures");
        List<TensorType> out = outputTypes(body);
        List<TensorType> carriedTypes = inputs.subList(0, (int) carried);
        if (out.size() < carried || !out.subList(0, (int) carried).equals(carriedTypes)) {
            throw c.error("region 'body' gives " + out + " but the carried values are " + carriedTypes
                    + "; the body gives the carried values first, with their types");
        }
        List<TensorType> results = new ArrayList<>(carriedTypes);
        for (TensorType y : out.subList((int) carried, out.size())) {
            List<Dim> dims = new ArrayList<>();
            dims.add(steps);
            dims.addAll(y.shape().dims());
            results.add(y.withShape(Shape.of(dims)));
        }
        return results;
    }

    private static void requireRegions(InferCall c, String... names) {
        List<String> given = c.regions().stream().map(Function::name).toList();
        if (!given.equals(List.of(names))) {
            throw c.error("expected regions " + String.join(", ", names) + ", got "
                    + (given.isEmpty() ? "none" : String.join(", ", given)));
        }
    }

    private static void requirePredicate(InferCall c, TensorType t, String what) {
        if (!t.equals(new TensorType(DType.BOOL, Shape.scalar()))) {
            throw c.error(what + " is " + t + ", expected bool[]");
        }
    }

    private static void requireInputs(InferCall c, Function region, List<TensorType> expected, String what) {
        List<TensorType> actual = region.inputs().stream().map(Value::type).toList();
        if (!actual.equals(expected)) {
            throw c.error("region '" + region.name() + "' takes " + actual + ", expected " + expected + " (" + what + ")");
        }
    }

    /** A region's result types, in order. */
    public static List<TensorType> outputTypes(Function region) {
        return region.outputs().stream().map(o -> o.value().type()).toList();
    }

    /** Runs a region on values given in the order of its inputs; returns its outputs in order. */
    public static List<HostTensor> run(Function region, List<HostTensor> args) {
        Map<String, HostTensor> inputs = new LinkedHashMap<>();
        for (int i = 0; i < region.inputs().size(); i++) {
            inputs.put(region.inputs().get(i).name(), args.get(i));
        }
        return new ArrayList<>(Interpreter.run(region, inputs, NO_VARIABLES).values());
    }

    /** Element {@code t} of {@code xs} along its leading axis. */
    public static HostTensor step(HostTensor xs, int t) {
        int[] shape = java.util.Arrays.copyOfRange(xs.shape(), 1, xs.rank());
        int size = Shape.checkedElementCount(shape);
        Object storage = HostTensor.allocate(xs.dtype(), size);
        System.arraycopy(xs.storage(), t * size, storage, 0, size);
        return HostTensor.wrap(xs.dtype(), shape, storage);
    }

    /** Per-step output {@code k} of every step, stacked with step t's at position t. */
    private static HostTensor stack(DType dtype, int[] stepShape, List<List<HostTensor>> steps, int k, int length,
                                    boolean reverse) {
        int size = Shape.checkedElementCount(stepShape);
        int[] shape = new int[stepShape.length + 1];
        shape[0] = length;
        System.arraycopy(stepShape, 0, shape, 1, stepShape.length);
        Object storage = HostTensor.allocate(dtype, Shape.checkedElementCount(shape));
        for (int i = 0; i < length; i++) {
            int t = reverse ? length - 1 - i : i;
            System.arraycopy(steps.get(i).get(k).storage(), 0, storage, t * size, size);
        }
        return HostTensor.wrap(dtype, shape, storage);
    }
}
