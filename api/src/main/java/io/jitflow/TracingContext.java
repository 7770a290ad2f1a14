package io.jitflow;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.Function;
import io.jitflow.ir.FunctionBuilder;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.IrException;
import io.jitflow.ir.Op;
import io.jitflow.ir.OpTypeException;
import io.jitflow.ir.SourceLocation;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.Value;
import io.jitflow.ir.Variable;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a graph from a Java function: while it is current, every op adds a node instead of
 * running. Concrete tensors the function uses become constants; variables it reads or assigns
 * become graph variables, bound to the {@link io.jitflow.Variable} objects when the graph runs.
 * Each node records the user's source line, so that errors can point at it.
 *
 * <p>A region trace (a cond branch, a loop body) builds a region inside an enclosing trace: the
 * enclosing trace's tensors it uses become its trailing inputs, its captures, and variables are read
 * in the enclosing function and captured the same way, since a region holds no state.
 */
final class TracingContext extends ExecutionContext {
    /** Frames of these classes are the library's, not the user's, when looking for a source line. */
    private static final Set<String> LIBRARY_CLASSES = Set.of(Jf.class.getName(), Operand.class.getName(),
            Tensor.class.getName(), io.jitflow.Variable.class.getName(), ExecutionContext.class.getName(),
            TracingContext.class.getName(), GradientTape.class.getName(), JitFunction.class.getName(),
            Slicer.class.getName(), ControlFlow.class.getName());

    private final String name;
    private final FunctionBuilder builder;
    private final Map<io.jitflow.Variable, String> variables = new LinkedHashMap<>();
    private final Map<String, io.jitflow.Variable> byName = new LinkedHashMap<>();
    private final Map<Tensor, Tensor> captured = new IdentityHashMap<>();
    /** The trace this region is traced inside; null for a function. */
    private final TracingContext parent;
    /** A region's captures: the enclosing trace's tensors it uses, in input order, and their inputs here. */
    private final Map<Tensor, Tensor> captureInputs = new IdentityHashMap<>();
    private final List<Tensor> captures = new ArrayList<>();

    TracingContext(String name) {
        this(name, null);
    }

    private TracingContext(String name, TracingContext parent) {
        this.name = name;
        this.parent = parent;
        this.builder = new FunctionBuilder(name, variableName -> {
            io.jitflow.Variable v = byName.get(variableName);
            return v == null ? null : v.type();
        });
    }

    /** A trace for a region named {@code regionName} of an op traced in this context. */
    TracingContext region(String regionName) {
        return new TracingContext(regionName, this);
    }

    @Override
    boolean recordsOnTapes() {
        return parent == null;
    }

    /** The enclosing trace's tensors this region captured, in the order of its trailing inputs. */
    List<Tensor> captures() {
        return captures;
    }

    Tensor input(String inputName, TensorType type) {
        return new Tensor(builder.input(inputName, type), this);
    }

    @Override
    List<Tensor> execute(Op op, Attributes attrs, List<Tensor> operands, List<io.jitflow.ir.Function> regions) {
        List<Value> values = new ArrayList<>();
        for (Tensor t : operands) {
            values.add(valueOf(t));
        }
        SourceLocation location = userLocation();
        List<Value> results;
        try {
            results = builder.add(op, attrs, values, regions, location);
        } catch (OpTypeException e) {
            throw new OpTypeException(e.getMessage() + (location == null ? "" : " (traced at " + location + ")"));
        }
        List<Tensor> tensors = new ArrayList<>();
        for (Value v : results) {
            tensors.add(new Tensor(v, this));
        }
        return tensors;
    }

    /** The graph value of a tensor used in this trace; concrete tensors are captured as constants once. */
    private Value valueOf(Tensor t) {
        if (t.isSymbolic()) {
            return local(t).symbol();
        }
        return captured.computeIfAbsent(t, c -> constantTensor(c.value())).symbol();
    }

    /** This trace's tensor for {@code t}, a tensor of this trace or of an enclosing one (then captured). */
    private Tensor local(Tensor t) {
        if (t.trace() == this) {
            return t;
        }
        if (parent == null) {
            throw new IrException("tensor " + t.symbol() + " belongs to another traced function; pass it in as an "
                    + "argument instead of capturing it");
        }
        Tensor outer = parent.local(t);
        Tensor input = captureInputs.get(outer);
        if (input == null) {
            input = new Tensor(builder.input("c" + captures.size(), outer.type()), this);
            captureInputs.put(outer, input);
            captures.add(outer);
        }
        return input;
    }

    @Override
    Tensor constantTensor(HostTensor value) {
        return new Tensor(builder.add(Op.CONSTANT, Attributes.builder().put("value", value).build(),
                List.of(), userLocation()).get(0), this);
    }

    @Override
    Tensor readVariable(io.jitflow.Variable variable) {
        if (parent != null) {
            Tensor outer = parent.readVariable(variable);
            if (parent.recordsOnTapes()) {
                GradientTape.recordVariableRead(variable, outer);
            }
            return local(outer);
        }
        Attributes attrs = Attributes.builder().put("name", graphName(variable)).build();
        return new Tensor(builder.add(Op.READ_VARIABLE, attrs, List.of(), userLocation()).get(0), this);
    }

    @Override
    void assignVariable(io.jitflow.Variable variable, Tensor value) {
        if (parent != null) {
            throw new IrException("cannot assign variable '" + variable.name() + "' inside " + name + " of a cond, "
                    + "whileLoop or scan: return the new value from it and assign it outside");
        }
        Attributes attrs = Attributes.builder().put("name", graphName(variable)).build();
        builder.add(Op.ASSIGN_VARIABLE, attrs, List.of(valueOf(value)), userLocation());
    }

    /** The variable's name in the graph: its own name, made unique among the captured variables. */
    private String graphName(io.jitflow.Variable variable) {
        return variables.computeIfAbsent(variable, v -> {
            String candidate = v.name();
            for (int i = 1; byName.containsKey(candidate); i++) {
                candidate = v.name() + "_" + i;
            }
            byName.put(candidate, v);
            return candidate;
        });
    }

    /** The traced region, returning {@code outputs} (named y0, y1, ...). */
    io.jitflow.ir.Function finishRegion(List<Tensor> outputs) {
        for (int i = 0; i < outputs.size(); i++) {
            builder.output("y" + i, valueOf(outputs.get(i)));
        }
        return builder.build();
    }

    /** The traced graph, with the captured variables' current values as initial values. */
    Graph finish(List<Tensor> outputs, List<String> outputNames) {
        for (int i = 0; i < outputs.size(); i++) {
            builder.output(outputNames.get(i), valueOf(outputs.get(i)));
        }
        Function f = builder.build();
        List<Variable> graphVariables = new ArrayList<>();
        byName.forEach((graphName, v) -> graphVariables.add(new Variable(graphName, v.type(), v.current(), v.trainable())));
        return Graph.of(graphVariables, List.of(f));
    }

    /** The captured variables by graph name, in the order the graph declares them. */
    Map<String, io.jitflow.Variable> capturedVariables() {
        return byName;
    }

    String name() {
        return name;
    }

    /** The first stack frame outside the library: where the user's code called the op. */
    private static SourceLocation userLocation() {
        return StackWalker.getInstance().walk(frames -> frames
                .filter(f -> !LIBRARY_CLASSES.contains(f.getClassName()) && !f.getClassName().startsWith("io.jitflow.ir."))
                .findFirst()
                .map(f -> new SourceLocation(f.getFileName() == null ? f.getClassName() : f.getFileName(),
                        f.getLineNumber(), 0))
                .orElse(null));
    }
}
