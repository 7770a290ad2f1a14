package io.jitflow.runtime;

import io.jitflow.ir.Dim;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Shape;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.kernel.Buffer;
import io.jitflow.ir.kernel.Kernel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A control-flow kernel (cond, while, scan) run on the host over host arrays: the loop or the
 * choice is {@link ControlLoop}'s, and each iteration runs a region's compiled program on whole
 * arrays, whose outputs (and the scanned steps) come from an {@link ArrayPool} the loop hands back
 * what it no longer reads to, so that a loop allocates in its first iterations only. Generated code
 * calls it at the kernel's place in the program.
 */
public final class ControlKernel implements CompiledProgram {
    private static final VariableStore NO_VARIABLES = new VariableStore();

    private final Kernel.Control kernel;
    private final List<ProgramExecutable> regions;
    /** The enclosing program's symbolic dims, in the order of the sizes array. */
    private final List<String> symbols;

    public ControlKernel(Kernel.Control kernel, List<ProgramExecutable> regions, List<String> symbols) {
        this.kernel = kernel;
        this.regions = List.copyOf(regions);
        this.symbols = List.copyOf(symbols);
    }

    @Override
    public void run(Object[] buffers, int[] sizes) {
        List<HostTensor> operands = new ArrayList<>();
        for (Buffer b : kernel.operands()) {
            operands.add(HostTensor.wrap(b.type().dtype(), resolve(b.type().shape(), sizes, symbols), buffers[b.id()]));
        }
        ArrayPool pool = new ArrayPool();
        List<HostTensor> results = ControlLoop.run(kernel, operands, new ControlLoop.Values<>() {
            @Override
            public List<HostTensor> call(int index, List<HostTensor> args) {
                ProgramExecutable region = regions.get(index);
                return new ArrayList<>(region.run(byInputName(region.program(), args), NO_VARIABLES, pool).values());
            }

            @Override
            public boolean isTrue(HostTensor predicate) {
                return predicate.getBool(0);
            }

            @Override
            public int leading(HostTensor xs) {
                return xs.dim(0);
            }

            @Override
            public HostTensor step(HostTensor xs, int t) {
                int[] shape = java.util.Arrays.copyOfRange(xs.shape(), 1, xs.rank());
                int size = Shape.checkedElementCount(shape);
                Object storage = pool.take(xs.dtype(), size);
                System.arraycopy(xs.storage(), t * size, storage, 0, size);
                return HostTensor.wrap(xs.dtype(), shape, storage);
            }

            @Override
            public void release(HostTensor value) {
                pool.release(value);
            }

            @Override
            public Object storage(HostTensor value) {
                return value.storage();
            }

            @Override
            public void store(HostTensor y, int result, int t) {
                System.arraycopy(y.storage(), 0, buffers[kernel.results().get(result).id()], t * y.size(), y.size());
            }
        });
        for (int i = 0; i < results.size(); i++) {
            Buffer b = kernel.results().get(i);
            System.arraycopy(results.get(i).storage(), 0, buffers[b.id()], 0, results.get(i).size());
        }
    }

    /** Runs a region's executable on values in the order of its inputs; returns its outputs in order. */
    /** Values given in the order of a region program's inputs, by input name. */
    public static <T> Map<String, T> byInputName(io.jitflow.ir.kernel.KernelProgram region, List<T> args) {
        Map<String, T> inputs = new LinkedHashMap<>();
        Iterator<T> values = args.iterator();
        for (String name : region.inputs().keySet()) {
            inputs.put(name, values.next());
        }
        return inputs;
    }

    /** A buffer's shape for this run: its symbolic dims looked up in {@code sizes} (in {@code symbols}' order). */
    public static int[] resolve(Shape shape, int[] sizes, List<String> symbols) {
        int[] dims = new int[shape.rank()];
        for (int d = 0; d < dims.length; d++) {
            Dim dim = shape.dim(d);
            dims[d] = dim.isStatic() ? dim.size() : sizes[symbols.indexOf(dim.toString())];
        }
        return dims;
    }
}
