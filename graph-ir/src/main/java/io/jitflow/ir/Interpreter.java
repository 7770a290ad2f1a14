package io.jitflow.ir;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference interpreter: the normative semantics of every op, on host tensors, one node at a
 * time in program order. Backends are tested against it and constant folding uses it, so it stays
 * plain rather than fast.
 *
 * <p>A run binds each symbolic dim to the size the inputs give it (the same name must mean the same
 * size everywhere) and checks every result against its declared type. Variable assignments are
 * visible to later reads in the same run and reach the store together when the run succeeds.
 */
public final class Interpreter {
    private Interpreter() {
    }

    /** Runs function {@code name} of {@code graph}; returns its outputs by name, in declaration order. */
    public static Map<String, HostTensor> run(Graph graph, String name, Map<String, HostTensor> inputs,
                                              VariableStore variables) {
        Function f = graph.function(name).orElseThrow(() -> new IrException("there is no function @" + name
                + " (functions: " + String.join(", ", graph.functions().stream().map(Function::name).toList()) + ")"));
        return run(f, inputs, variables);
    }

    public static Map<String, HostTensor> run(Function f, Map<String, HostTensor> inputs, VariableStore variables) {
        Run run = new Run(f, variables);
        run.bindInputs(inputs);
        for (Node node : f.nodes()) {
            run.execute(node);
        }
        Map<String, HostTensor> results = new LinkedHashMap<>();
        for (Function.Output out : f.outputs()) {
            results.put(out.name(), run.values.get(out.value().name()));
        }
        run.pending.forEach(variables::set);
        return results;
    }

    /** The state of one run: values by name, symbol bindings and pending assignments. */
    private static final class Run implements EvalContext {
        private final Function function;
        private final VariableStore variables;
        private final Map<String, HostTensor> values = new HashMap<>();
        private final Map<String, Integer> bindings = new HashMap<>();
        private final Map<String, String> boundBy = new HashMap<>();
        private final Map<String, HostTensor> pending = new LinkedHashMap<>();

        Run(Function function, VariableStore variables) {
            this.function = function;
            this.variables = variables;
        }

        void bindInputs(Map<String, HostTensor> inputs) {
            for (String given : inputs.keySet()) {
                if (function.inputs().stream().noneMatch(v -> v.name().equals(given))) {
                    throw new IrException("function @" + function.name() + " has no input '" + given + "' (inputs: "
                            + String.join(", ", function.inputs().stream().map(Value::name).toList()) + ")");
                }
            }
            for (Value input : function.inputs()) {
                HostTensor value = inputs.get(input.name());
                if (value == null) {
                    throw new IrException("function @" + function.name() + ": missing input '" + input.name()
                            + "' of type " + input.type());
                }
                check(value, input.type(), "input '" + input.name() + "'");
                values.put(input.name(), value);
            }
        }

        void execute(Node node) {
            List<HostTensor> operands = new ArrayList<>();
            for (Value v : node.inputs()) {
                operands.add(values.get(v.name()));
            }
            List<HostTensor> results;
            try {
                results = node.op().definition().evaluation().evaluate(
                        new EvalCall(node.op(), operands, node.attributes(), node.regions(), this));
            } catch (EvaluationException | IllegalArgumentException e) {
                throw new EvaluationException("function @" + function.name() + ", node " + node.describe()
                        + (node.location() == null ? "" : " at " + node.location()) + ": " + e.getMessage());
            }
            for (int i = 0; i < results.size(); i++) {
                Value out = node.outputs().get(i);
                check(results.get(i), out.type(), "result " + out + " of " + node.op().mnemonic());
                values.put(out.name(), results.get(i));
            }
        }

        /** Checks a concrete value against a declared type, binding symbolic dims on first sight. */
        private void check(HostTensor value, TensorType type, String what) {
            if (value.dtype() != type.dtype()) {
                throw new IrException("function @" + function.name() + ": " + what + " has dtype " + value.dtype()
                        + ", expected " + type.dtype());
            }
            Shape shape = type.shape();
            if (value.rank() != shape.rank()) {
                throw new IrException("function @" + function.name() + ": " + what + " has shape "
                        + Arrays.toString(value.shape()) + ", expected " + shape);
            }
            for (int d = 0; d < shape.rank(); d++) {
                Dim dim = shape.dim(d);
                int actual = value.dim(d);
                if (dim.isStatic()) {
                    if (dim.size() != actual) {
                        throw new IrException("function @" + function.name() + ": " + what + " has shape "
                                + Arrays.toString(value.shape()) + ", expected " + shape);
                    }
                } else {
                    String symbol = dim.toString();
                    Integer bound = bindings.putIfAbsent(symbol, actual);
                    boundBy.putIfAbsent(symbol, what);
                    if (bound != null && bound != actual) {
                        throw new IrException("function @" + function.name() + ": " + what + " has shape "
                                + Arrays.toString(value.shape()) + ", but dim " + symbol + " is " + bound + " in "
                                + boundBy.get(symbol));
                    }
                }
            }
        }

        @Override
        public HostTensor readVariable(String name) {
            HostTensor assigned = pending.get(name);
            return assigned != null ? assigned : variables.get(name);
        }

        @Override
        public void assignVariable(String name, HostTensor value) {
            pending.put(name, value);
        }

        @Override
        public int[] resolve(Shape shape) {
            Shape bound = shape.bind(bindings);
            if (!bound.isStatic()) {
                throw new EvaluationException("shape " + shape + " has a dim that no input binds");
            }
            return bound.sizes();
        }
    }
}
