package io.jitflow.runtime;

import io.jitflow.ir.Dim;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.IrException;
import io.jitflow.ir.Shape;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.kernel.Buffer;
import io.jitflow.ir.kernel.Kernel;
import io.jitflow.ir.kernel.KernelProgram;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A control-flow kernel (cond, while, scan) run on the host: the loop or the choice is here, and
 * each iteration runs a region's compiled program on whole arrays. Generated code calls it at the
 * kernel's place in the program. The semantics are those of {@code io.jitflow.ir.ops.ControlFlow}.
 */
public final class ControlKernel implements CompiledProgram {
    private static final VariableStore NO_VARIABLES = new VariableStore();

    private final Kernel.Control kernel;
    private final List<Executable> regions;
    /** The enclosing program's symbolic dims, in the order of the sizes array. */
    private final List<String> symbols;

    public ControlKernel(Kernel.Control kernel, List<Executable> regions, List<String> symbols) {
        this.kernel = kernel;
        this.regions = List.copyOf(regions);
        this.symbols = List.copyOf(symbols);
    }

    @Override
    public void run(Object[] buffers, int[] sizes) {
        List<HostTensor> operands = new ArrayList<>();
        for (Buffer b : kernel.operands()) {
            operands.add(HostTensor.wrap(b.type().dtype(), resolve(b.type().shape(), sizes), buffers[b.id()]));
        }
        List<HostTensor> results = switch (kernel.op()) {
            case COND -> call(operands.get(0).getBool(0) ? 0 : 1, operands.subList(1, operands.size()));
            case WHILE -> whileLoop(operands);
            case SCAN -> scan(operands, buffers, sizes);
            default -> throw new IrException(kernel.op() + " is not a control-flow op");
        };
        for (int i = 0; i < results.size(); i++) {
            Buffer b = kernel.results().get(i);
            System.arraycopy(results.get(i).storage(), 0, buffers[b.id()], 0, results.get(i).size());
        }
    }

    private List<HostTensor> whileLoop(List<HostTensor> state) {
        int carried = kernel.results().size();
        long bound = kernel.attrs().getInt("max_iterations");
        state = new ArrayList<>(state);
        for (long i = 0; (bound < 0 || i < bound) && call(0, state).get(0).getBool(0); i++) {
            List<HostTensor> next = call(1, state);
            for (int k = 0; k < carried; k++) {
                state.set(k, next.get(k));
            }
        }
        return state.subList(0, carried);
    }

    /** Runs the steps, writing each per-step output into its stacked result as it comes; returns the final carries. */
    private List<HostTensor> scan(List<HostTensor> operands, Object[] buffers, int[] sizes) {
        int carried = (int) kernel.attrs().getInt("carried");
        int scanned = (int) kernel.attrs().getInt("scanned");
        int length = scanned > 0 ? operands.get(carried).dim(0) : (int) kernel.attrs().getInt("length");
        List<HostTensor> args = new ArrayList<>(operands);
        for (int i = 0; i < length; i++) {
            int t = kernel.attrs().getBool("reverse") ? length - 1 - i : i;
            for (int k = 0; k < scanned; k++) {
                // A fresh array per step: a carry may be this step's slice itself.
                args.set(carried + k, io.jitflow.ir.ops.ControlFlow.step(operands.get(carried + k), t));
            }
            List<HostTensor> out = call(0, args);
            for (int k = 0; k < carried; k++) {
                args.set(k, out.get(k));
            }
            for (int k = carried; k < out.size(); k++) {
                HostTensor y = out.get(k);
                System.arraycopy(y.storage(), 0, buffers[kernel.results().get(k).id()], t * y.size(), y.size());
            }
        }
        return args.subList(0, carried);
    }

    /** Runs region {@code index} on values in the order of its inputs; returns its outputs in order. */
    private List<HostTensor> call(int index, List<HostTensor> args) {
        Executable region = regions.get(index);
        KernelProgram program = region.program();
        Map<String, HostTensor> inputs = new LinkedHashMap<>();
        Iterator<HostTensor> values = args.iterator();
        for (String name : program.inputs().keySet()) {
            inputs.put(name, values.next());
        }
        return new ArrayList<>(region.run(inputs, NO_VARIABLES).values());
    }

    private int[] resolve(Shape shape, int[] sizes) {
        int[] dims = new int[shape.rank()];
        for (int d = 0; d < dims.length; d++) {
            Dim dim = shape.dim(d);
            dims[d] = dim.isStatic() ? dim.size() : sizes[symbols.indexOf(dim.toString())];
        }
        return dims;
    }
}
