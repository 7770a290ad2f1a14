package io.jitflow.runtime.cuda;

import io.jitflow.ir.DType;
import io.jitflow.ir.EvaluationException;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Shape;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.kernel.Buffer;
import io.jitflow.ir.kernel.Kernel;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.runtime.ControlKernel;
import io.jitflow.runtime.ControlLoop;
import io.jitflow.runtime.ProgramExecutable;
import io.jitflow.runtime.ShapeBindings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Runs a kernel program's PTX module on a CUDA device. Each run checks its inputs as the CPU
 * backend does and queues every kernel in order on a stream of its own, with no copy for its
 * parameters (each launch passes its buffers' addresses and the symbolic sizes by value) and no
 * wait in between. A module whose kernels can report an error (a division by zero, an index out
 * of range) has them store its code in a status word; such a run reads the word back at its end
 * and throws the error as the CPU backend would. A run of a module that cannot fail returns
 * without waiting: its outputs are read back only when something reads them, after their kernels
 * finish (memory written by queued kernels is waited for by any reader on another stream or on
 * the host). A variable is uploaded when its value is not the one this executable last wrote or
 * uploaded; an assigned value stays on the device, in the store as a
 * {@linkplain HostTensor#deferred deferred} tensor that is copied back only when something reads
 * it, so a training loop moves no weights between host and device. Constants are uploaded once;
 * temporaries that never escape are kept for the next run of the same sizes. A control-flow
 * kernel runs on the host (after the kernels before it finish): {@link ControlLoop} calls its
 * regions' executables on device arrays, reading back only the conditions. Runs of one executable
 * are serialized.
 */
public final class CudaExecutable implements io.jitflow.runtime.Executable {
    private static final int THREADS = 256;

    private final KernelProgram program;
    /** The program's symbolic dims, in the order of the sizes array: computed once. */
    private final List<String> symbols;
    private final CudaDevice device;
    private final CudaModule module;
    private final List<String> errors;
    private final List<CudaCode.Launch> launches;
    /** The control-flow kernels in order, each with its regions' executables. */
    private final List<Kernel.Control> controls;
    private final List<List<CudaExecutable>> controlRegions = new java.util.ArrayList<>();
    private final boolean[] reusable;
    private final DeviceMemory[] kept;
    private final DeviceMemory[] constants;
    /** Zero until a kernel reports an error; read back (through {@link #statusStaging}) and cleared by the host. */
    private final DeviceMemory statusWord;
    private final PinnedMemory statusStaging;
    /** This executable's own stream, so programs run from different threads can overlap on the GPU. */
    private final org.bytedeco.cuda.cudart.CUstream_st stream;
    /** A launch's parameter values: its buffers' addresses, the symbolic sizes, the point count, the status word. */
    private final BytePointer addressesParameter;
    private final IntPointer sizesParameter;
    private final IntPointer countParameter = new IntPointer(1);
    private final LongPointer statusParameter = new LongPointer(1);
    private final PointerPointer<Pointer> parameters;
    /** The memory the last run's queued work uses, kept reachable (so not freed) until the next run. */
    private DeviceMemory[] inFlight;

    /** Loads {@code code}'s module on {@code device}, to run {@code program} by its launch plan. */
    public CudaExecutable(KernelProgram program, CudaCode code, CudaDevice device) {
        this.program = program;
        this.symbols = program.symbols();
        this.device = device;
        this.module = device.load(code.ptx());
        this.errors = code.errors();
        int n = program.buffers().size();
        this.launches = code.launches();
        int slots = 1;
        for (CudaCode.Launch launch : launches) {
            if (!launch.onHost()) {
                module.function(launch.entry());
                slots = Math.max(slots, launch.buffers().size());
            }
        }
        this.controls = program.controlKernels();
        int region = 0;
        for (Kernel.Control c : controls) {
            List<CudaExecutable> regions = new java.util.ArrayList<>();
            for (io.jitflow.ir.kernel.KernelProgram r : c.regions()) {
                regions.add(new CudaExecutable(r, code.regions().get(region++), device));
            }
            controlRegions.add(regions);
        }
        this.reusable = ProgramExecutable.reusableTemporaries(program);
        this.kept = new DeviceMemory[n];
        this.constants = new DeviceMemory[n];
        for (Buffer b : program.buffers()) {
            if (b.kind() == Buffer.Kind.CONSTANT) {
                constants[b.id()] = DeviceArray.upload(device, b.constant()).memory();
            }
        }
        this.statusWord = device.allocate(8);
        statusWord.upload(DType.INT64, new long[] {0});
        this.statusStaging = new PinnedMemory(device, 8);
        this.stream = device.newStream();
        this.addressesParameter = new BytePointer(8L * slots);
        this.sizesParameter = new IntPointer(Math.max(1, program.symbols().size()));
        statusParameter.put(statusWord.address());
        this.parameters = new PointerPointer<>(addressesParameter, sizesParameter, countParameter, statusParameter);
    }

    public KernelProgram program() {
        return program;
    }

    public CudaDevice device() {
        return device;
    }

    /** The copies of host inputs (made on the first run that has some). */
    private InputUploads uploads;

    /**
     * Runs with host inputs, giving host outputs: the inputs go to the device by copies queued on a
     * stream of their own (see {@link InputUploads}; the host does not wait for them), and the
     * outputs are {@linkplain HostTensor#deferred deferred}: copied back when first read.
     */
    @Override
    public synchronized Map<String, HostTensor> run(Map<String, HostTensor> inputs, VariableStore variables) {
        if (uploads == null && !inputs.isEmpty()) {
            uploads = new InputUploads(device);
        }
        Map<String, DeviceArray> onDevice = inputs.isEmpty() ? Map.of() : uploads.upload(inputs, stream);
        Map<String, HostTensor> outputs = new LinkedHashMap<>();
        runOnDevice(onDevice, variables).forEach((name, value) -> outputs.put(name, deferred(value)));
        return outputs;
    }

    /**
     * Runs with {@code inputs} by name, on this device; reads and assigns variables in {@code variables}.
     * Returns once the kernels are queued (or, for a module that can report an error, once they have finished).
     */
    public synchronized Map<String, DeviceArray> runOnDevice(Map<String, DeviceArray> inputs, VariableStore variables) {
        ShapeBindings bindings = new ShapeBindings(program, symbols);
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
            bindings.bindInput(name, b.type(), value.dtype(), value.shape());
            value.memory().awaitWriter(stream);
            memory[b.id()] = value.memory();
        });
        program.variableReads().forEach((name, b) -> {
            HostTensor value = variables.get(name);
            bindings.bindVariable(name, b.type(), value.dtype(), value.shape());
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
        for (Buffer b : program.buffers()) {
            if (b.kind() == Buffer.Kind.VIEW) {
                memory[b.id()] = memory[b.viewOf().id()];
            }
        }
        sizesParameter.put(sizes);
        inFlight = memory;
        int control = 0;
        for (CudaCode.Launch launch : launches) {
            if (launch.onHost()) {
                awaitKernels();
                runControl(control++, memory, bindings);
                continue;
            }
            long points = launch.count(program.symbols(), sizes);
            if (points == 0) {
                continue;
            }
            List<Integer> slots = launch.buffers();
            for (int i = 0; i < slots.size(); i++) {
                addressesParameter.putLong(8L * i, memory[slots.get(i)].address());
            }
            countParameter.put((int) points);
            long wanted = launch.perBlock() ? points : (points + THREADS - 1) / THREADS;
            int blocks = (int) Math.min(wanted, 32L * device.multiprocessors());
            module.launch(launch.entry(), blocks, THREADS, parameters, stream);
        }
        if (!errors.isEmpty()) {
            awaitKernels();
        }
        Map<String, DeviceArray> outputs = new LinkedHashMap<>();
        program.outputs().forEach((name, b) -> outputs.put(name, written(b, memory, bindings)));
        program.variableWrites().forEach((name, b) -> {
            // The new value stays on the device; the host reads it back only if something asks for it.
            DeviceArray value = written(b, memory, bindings);
            HostTensor host = deferred(value);
            variables.set(name, host);
            resident.put(name, new Resident(host, value));
        });
        return outputs;
    }

    /**
     * Waits for the kernels queued so far; in a module whose kernels can report an error, reads
     * the status word back (4 bytes) and throws the error one reported, clearing the word for the
     * next run.
     */
    private void awaitKernels() {
        if (errors.isEmpty()) {
            device.synchronize(stream);
            return;
        }
        statusWord.downloadAsync(statusStaging, 4, stream);
        device.synchronize(stream);
        int code = statusStaging.bytes().getInt(0);
        if (code == 0) {
            return;
        }
        statusWord.upload(DType.INT64, new long[] {0});
        if (code < 0 || code > errors.size()) {
            throw new CudaException("the kernels of @" + program.name() + " reported error code " + code
                    + ", which their module does not define", 0);
        }
        throw new EvaluationException(errors.get(code - 1));
    }

    /** Buffer {@code b} as written by this run's queued kernels: its readers elsewhere wait for them. */
    private DeviceArray written(Buffer b, DeviceMemory[] memory, ShapeBindings bindings) {
        DeviceArray value = array(b, memory, bindings);
        value.memory().writtenOn(stream);
        return value;
    }

    /** A device value as a host tensor whose elements are copied back when first read. */
    private static HostTensor deferred(DeviceArray value) {
        return HostTensor.deferred(value.dtype(), value.shape(), () -> value.download().storage());
    }

    private static final VariableStore NO_VARIABLES = new VariableStore();

    /** Control-flow kernel {@code index}: its loop over its regions' executables, on device arrays. */
    private void runControl(int index, DeviceMemory[] memory, ShapeBindings bindings) {
        Kernel.Control c = controls.get(index);
        List<CudaExecutable> regions = controlRegions.get(index);
        List<DeviceArray> operands = c.operands().stream().map(b -> array(b, memory, bindings)).toList();
        List<DeviceArray> results = ControlLoop.run(c, operands, new ControlLoop.Values<>() {
            @Override
            public List<DeviceArray> call(int region, List<DeviceArray> args) {
                CudaExecutable r = regions.get(region);
                return new java.util.ArrayList<>(r.runOnDevice(ControlKernel.byInputName(r.program(), args), NO_VARIABLES)
                        .values());
            }

            @Override
            public boolean isTrue(DeviceArray predicate) {
                return ((boolean[]) predicate.memory().download(DType.BOOL, 1))[0];
            }

            @Override
            public int leading(DeviceArray xs) {
                return xs.shape()[0];
            }

            @Override
            public DeviceArray step(DeviceArray xs, int t) {
                int[] shape = java.util.Arrays.copyOfRange(xs.shape(), 1, xs.shape().length);
                long bytes = (long) Shape.checkedElementCount(shape) * xs.dtype().byteSize();
                DeviceMemory slice = device.allocate(bytes);
                slice.copy(xs.memory(), t * bytes, 0, bytes);
                return new DeviceArray(xs.dtype(), shape, slice);
            }

            @Override
            public Object storage(DeviceArray value) {
                return value.memory();
            }

            @Override
            public void store(DeviceArray y, int result, int t) {
                long bytes = (long) y.size() * y.dtype().byteSize();
                memory[c.results().get(result).id()].copy(y.memory(), 0, t * bytes, bytes);
            }
        });
        for (int i = 0; i < results.size(); i++) {
            DeviceArray r = results.get(i);
            memory[c.results().get(i).id()].copy(r.memory(), 0, 0, (long) r.size() * r.dtype().byteSize());
        }
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
}
