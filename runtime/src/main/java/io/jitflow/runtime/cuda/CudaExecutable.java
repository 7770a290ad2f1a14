package io.jitflow.runtime.cuda;

import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.EvaluationException;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Shape;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.kernel.Buffer;
import io.jitflow.ir.kernel.Kernel;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.runtime.ProgramExecutable;
import io.jitflow.runtime.ShapeBindings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Runs a kernel program's PTX module on a CUDA device. Each run checks its inputs as the CPU
 * backend does, lays out the pointer table and symbolic sizes the entries expect, launches every
 * kernel in order on a stream of its own, and reads the status word once at the end (a kernel that
 * fails reports its error there, and the run throws it as the CPU backend would). Inputs and
 * outputs stay on the device; variables are read from and assigned to host storage. Constants
 * are uploaded once; temporaries that never escape are kept for the next run of the same sizes.
 * Runs of one executable are serialized.
 */
public final class CudaExecutable implements io.jitflow.runtime.Executable {
    private static final int THREADS = 256;

    /**
     * One kernel's launch: its entry, the shape of its output points (the kept axes of a loop, a
     * matmul's output), whose symbolic dims are resolved per run, and whether a whole block
     * reduces each point (see {@link #reducesPerBlock}) rather than one thread.
     */
    public record Launch(String entry, Shape points, boolean perBlock) {
        /** The number of points, {@code sizes} giving the program's {@code symbols} in order. */
        public long count(List<String> symbols, int[] sizes) {
            long count = 1;
            for (Dim dim : points.dims()) {
                count *= dim.isStatic() ? dim.size() : sizes[symbols.indexOf(dim.toString())];
            }
            return count;
        }
    }

    private final KernelProgram program;
    private final CudaDevice device;
    private final CudaModule module;
    private final List<String> errors;
    private final List<Launch> launches;
    private final boolean[] reusable;
    private final DeviceMemory[] kept;
    private final DeviceMemory[] constants;
    private final DeviceMemory table;
    private final DeviceMemory sizeTable;
    private final DeviceMemory status;
    /** This executable's own stream, so programs run from different threads can overlap on the GPU. */
    private final org.bytedeco.cuda.cudart.CUstream_st stream;
    private final LongPointer tableParameter = new LongPointer(1);
    private final LongPointer sizesParameter = new LongPointer(1);
    private final IntPointer countParameter = new IntPointer(1);
    private final LongPointer statusParameter = new LongPointer(1);
    private final PointerPointer<Pointer> parameters =
            new PointerPointer<>(tableParameter, sizesParameter, countParameter, statusParameter);

    /** Loads {@code ptx}, whose kernels report {@code errors} (see the CUDA backend's module). */
    public CudaExecutable(KernelProgram program, CudaDevice device, String ptx, List<String> errors) {
        this(program, launches(program), device, ptx, errors);
    }

    /** As above, for a program whose kernels are known only by their launches (an AOT jar's). */
    public CudaExecutable(KernelProgram program, List<Launch> launches, CudaDevice device, String ptx, List<String> errors) {
        this.program = program;
        this.device = device;
        this.module = device.load(ptx);
        this.errors = List.copyOf(errors);
        int n = program.buffers().size();
        this.launches = List.copyOf(launches);
        for (Launch launch : launches) {
            module.function(launch.entry());
        }
        this.reusable = ProgramExecutable.reusableTemporaries(program);
        this.kept = new DeviceMemory[n];
        this.constants = new DeviceMemory[n];
        for (Buffer b : program.buffers()) {
            if (b.kind() == Buffer.Kind.CONSTANT) {
                constants[b.id()] = DeviceArray.upload(device, b.constant()).memory();
            }
        }
        this.table = device.allocate(8L * n);
        this.sizeTable = device.allocate(4L * program.symbols().size());
        this.status = device.allocate(4);
        this.stream = device.newStream();
        tableParameter.put(table.address());
        sizesParameter.put(sizeTable.address());
        statusParameter.put(status.address());
    }

    public KernelProgram program() {
        return program;
    }

    public CudaDevice device() {
        return device;
    }

    /** Runs with host inputs, giving host outputs: the inputs are copied to the device and the outputs back. */
    @Override
    public Map<String, HostTensor> run(Map<String, HostTensor> inputs, VariableStore variables) {
        Map<String, DeviceArray> onDevice = new LinkedHashMap<>();
        inputs.forEach((name, value) -> onDevice.put(name, DeviceArray.upload(device, value)));
        Map<String, HostTensor> outputs = new LinkedHashMap<>();
        runOnDevice(onDevice, variables).forEach((name, value) -> outputs.put(name, value.download()));
        return outputs;
    }

    /** Runs with {@code inputs} by name, on this device; reads and assigns variables in {@code variables}. */
    public synchronized Map<String, DeviceArray> runOnDevice(Map<String, DeviceArray> inputs, VariableStore variables) {
        ShapeBindings bindings = new ShapeBindings(program);
        bindings.checkInputNames(inputs.keySet());
        DeviceMemory[] memory = new DeviceMemory[program.buffers().size()];
        program.inputs().forEach((name, b) -> {
            DeviceArray value = inputs.get(name);
            if (value == null) {
                throw bindings.missingInput(name, b.type());
            }
            if (value.device() != device) {
                throw new IllegalArgumentException("function @" + program.name() + ": input '" + name + "' is on "
                        + value.device() + ", expected " + device);
            }
            bindings.bind(b.type(), value.dtype(), value.shape(), "input '" + name + "'");
            memory[b.id()] = value.memory();
        });
        program.variableReads().forEach((name, b) -> {
            HostTensor value = variables.get(name);
            bindings.bind(b.type(), value.dtype(), value.shape(), "variable @" + name);
            memory[b.id()] = onDevice(name, value).memory();
        });
        int[] sizes = bindings.symbolSizes();
        for (Buffer b : program.buffers()) {
            if (memory[b.id()] != null || b.kind() == Buffer.Kind.VIEW) {
                continue;
            }
            if (b.kind() == Buffer.Kind.CONSTANT) {
                memory[b.id()] = constants[b.id()];
                continue;
            }
            long bytes = (long) Shape.checkedElementCount(bindings.resolve(b.type().shape())) * b.type().dtype().byteSize();
            DeviceMemory previous = reusable[b.id()] ? kept[b.id()] : null;
            if (previous != null && previous.bytes() == bytes) {
                memory[b.id()] = previous;
            } else {
                memory[b.id()] = device.allocate(bytes);
                if (reusable[b.id()]) {
                    kept[b.id()] = memory[b.id()];
                }
            }
        }
        long[] addresses = new long[memory.length];
        for (Buffer b : program.buffers()) {
            DeviceMemory m = memory[b.kind() == Buffer.Kind.VIEW ? b.viewOf().id() : b.id()];
            memory[b.id()] = m;
            addresses[b.id()] = m.address();
        }
        table.upload(DType.INT64, addresses);
        sizeTable.upload(DType.INT32, sizes);
        status.clear(4);
        for (Launch launch : launches) {
            long points = launch.count(program.symbols(), sizes);
            if (points == 0) {
                continue;
            }
            countParameter.put((int) points);
            long wanted = launch.perBlock() ? points : (points + THREADS - 1) / THREADS;
            int blocks = (int) Math.min(wanted, 32L * device.multiprocessors());
            module.launch(launch.entry(), blocks, THREADS, parameters, stream);
        }
        device.synchronize(stream);
        int code = ((int[]) status.download(DType.INT32, 1))[0];
        if (code < 0 || code > errors.size()) {
            throw new CudaException("the kernels of @" + program.name() + " reported error code " + code
                    + ", which their module does not define", 0);
        }
        if (code != 0) {
            throw new EvaluationException(errors.get(code - 1));
        }
        Map<String, DeviceArray> outputs = new LinkedHashMap<>();
        program.outputs().forEach((name, b) -> outputs.put(name, array(b, memory, bindings)));
        program.variableWrites().forEach((name, b) -> {
            DeviceArray written = array(b, memory, bindings);
            HostTensor value = written.download();
            variables.set(name, value);
            resident.put(name, new Resident(value, written));
        });
        return outputs;
    }

    /** A variable's value as last copied between host and device: the host tensor and its device copy. */
    private record Resident(HostTensor host, DeviceArray device) {
    }

    /**
     * Device copies of variables, so that a value this executable wrote (or uploaded) last time is
     * not uploaded again while the variable still holds it (host tensors are immutable, so the same
     * object means the same elements).
     */
    private final Map<String, Resident> resident = new java.util.HashMap<>();

    private DeviceArray onDevice(String variable, HostTensor value) {
        Resident r = resident.get(variable);
        if (r != null && r.host() == value) {
            return r.device();
        }
        DeviceArray uploaded = DeviceArray.upload(device, value);
        resident.put(variable, new Resident(value, uploaded));
        return uploaded;
    }

    private static DeviceArray array(Buffer b, DeviceMemory[] memory, ShapeBindings bindings) {
        return new DeviceArray(b.type().dtype(), bindings.resolve(b.type().shape()), memory[b.id()]);
    }

    /** The launches of a program's kernels, in order. */
    public static List<Launch> launches(KernelProgram program) {
        List<Launch> launches = new java.util.ArrayList<>();
        for (int k = 0; k < program.kernels().size(); k++) {
            Kernel kernel = program.kernels().get(k);
            Shape space = kernel instanceof Kernel.Loop l ? l.space() : kernel.output().type().shape();
            List<Integer> reduced = kernel instanceof Kernel.Loop l ? l.reducedAxes() : List.of();
            List<Dim> kept = new java.util.ArrayList<>();
            for (int d = 0; d < space.rank(); d++) {
                if (!reduced.contains(d)) {
                    kept.add(space.dim(d));
                }
            }
            launches.add(new Launch(entryName(program, k), Shape.of(kept),
                    kernel instanceof Kernel.Loop l && reducesPerBlock(l)));
        }
        return launches;
    }

    /** Reduced extents from this size on are reduced by a whole block per output point. */
    public static final int PER_BLOCK_EXTENT = 256;

    /**
     * Whether the CUDA backend reduces each output point of a loop with a whole block (a tree of
     * warp shuffles and shared memory) instead of one thread: for sum, product, max, min, any and
     * all over a reduced extent that is symbolic or at least {@link #PER_BLOCK_EXTENT}, where one
     * thread per point would leave most of the GPU idle (a full reduction has one point).
     */
    public static boolean reducesPerBlock(Kernel.Loop l) {
        if (!l.isReduction() || l.reducer() == Kernel.Reducer.ARGMAX || l.reducer() == Kernel.Reducer.ARGMIN) {
            return false;
        }
        long extent = 1;
        for (int axis : l.reducedAxes()) {
            Dim dim = l.space().dim(axis);
            if (!dim.isStatic()) {
                return true;
            }
            extent *= dim.size();
        }
        return extent >= PER_BLOCK_EXTENT;
    }

    /** The entry name of kernel {@code index}: {@code k<index>_<first fused node>}. */
    public static String entryName(KernelProgram program, int index) {
        Kernel k = program.kernels().get(index);
        String first = k.fused().isEmpty() ? "" : k.fused().get(0).replaceAll("[^A-Za-z0-9_]", "_");
        return "k" + index + "_" + first;
    }
}
