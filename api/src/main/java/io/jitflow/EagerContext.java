package io.jitflow;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.Function;
import io.jitflow.ir.FunctionBuilder;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.Op;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.Value;
import io.jitflow.ir.VariableStore;
import io.jitflow.runtime.Device;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs each op as soon as it is called, on the same generated code a traced graph would run: the
 * first call with an (op, attributes, operand types) compiles a one-op program, later calls reuse it.
 * Types are inferred before compiling, so a bad call fails with the op's message. An op runs on the
 * device of its operands (all on one device, apart from host scalars), and its results stay there.
 */
final class EagerContext extends ExecutionContext {
    static final EagerContext INSTANCE = new EagerContext();

    /** Compiled one-op programs; past this many distinct calls the cache starts over. */
    private static final int CACHE_LIMIT = 10_000;

    private record Key(Op op, Attributes attrs, List<TensorType> operands, List<Function> regions, Device device) {
    }

    private final Map<Key, Executables.TensorCode> compiled = new ConcurrentHashMap<>();

    private EagerContext() {
    }

    @Override
    List<Tensor> execute(Op op, Attributes attrs, List<Tensor> operands, List<Function> regions) {
        List<TensorType> types = new ArrayList<>(operands.size());
        List<Tensor> placed = new ArrayList<>();
        for (Tensor t : operands) {
            types.add(t.type());
            if (t.rank() > 0 || t.device().isCuda()) {
                placed.add(t);
            }
        }
        // Scalars on the host follow the other operands to their device, as constants do.
        Device device = Executables.placement(op.mnemonic(), placed);
        Key key = new Key(op, attrs, types, regions, device);
        Executables.TensorCode program = compiled.get(key);
        if (program == null) {
            program = compileOneOp(key);
        }
        if (program instanceof Executables.Positional positional) {
            return positional.run(operands);
        }
        Map<String, Tensor> inputs = new HashMap<>();
        for (int i = 0; i < operands.size(); i++) {
            inputs.put(INPUT_NAMES[i], operands.get(i));
        }
        return new ArrayList<>(program.run(inputs, NO_VARIABLES).values());
    }

    private static final String[] INPUT_NAMES = java.util.stream.IntStream.range(0, 64).mapToObj(i -> "x" + i)
            .toArray(String[]::new);
    private static final VariableStore NO_VARIABLES = new VariableStore();

    /** Infers (so that a bad call fails with the op's message), then compiles the op alone. */
    private Executables.TensorCode compileOneOp(Key key) {
        Op op = key.op();
        Attributes attrs = key.attrs();
        List<TensorType> types = key.operands();
        if (types.size() > INPUT_NAMES.length) {
            throw new IllegalArgumentException(op.mnemonic() + " takes at most " + INPUT_NAMES.length + " operands eagerly");
        }
        FunctionBuilder fb = new FunctionBuilder(op.mnemonic(), InferenceContext.NO_VARIABLES);
        Value[] operands = new Value[types.size()];
        for (int i = 0; i < types.size(); i++) {
            operands[i] = fb.input(INPUT_NAMES[i], types.get(i));
        }
        List<Value> results = fb.add(op, attrs, List.of(operands), key.regions(), null);
        for (int i = 0; i < results.size(); i++) {
            fb.output("y" + i, results.get(i));
        }
        Function f = fb.build();
        io.jitflow.compiler.CompilerDriver compiler = Executables.compiler(key.device());
        io.jitflow.runtime.Executable loaded = compiler.load(compiler.lower(f, InferenceContext.NO_VARIABLES));
        Executables.TensorCode executable = loaded instanceof io.jitflow.runtime.ProgramExecutable cpu && cpu.isStatic()
                ? new Executables.Positional(cpu, List.of(INPUT_NAMES).subList(0, types.size()))
                : Executables.tensors(loaded);
        if (compiled.size() >= CACHE_LIMIT) {
            compiled.clear();
        }
        compiled.put(new Key(op, attrs, List.copyOf(types), key.regions(), key.device()), executable);
        return executable;
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
