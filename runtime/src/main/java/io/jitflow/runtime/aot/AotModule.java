package io.jitflow.runtime.aot;

import io.jitflow.runtime.Device;
import io.jitflow.runtime.Executable;
import io.jitflow.runtime.cuda.CudaCode;
import io.jitflow.runtime.cuda.CudaExecutable;
import java.util.ArrayList;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.kernel.Buffer;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.ir.npy.Npy;
import io.jitflow.ir.kernel.Kernel;
import io.jitflow.runtime.CompiledProgram;
import io.jitflow.runtime.ControlKernel;
import io.jitflow.runtime.ProgramExecutable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;

/**
 * A graph compiled ahead of time, loaded from its jar: its functions callable by name, its
 * variables held here. Needs only the runtime and graph-ir on the class path: the jar carries the
 * generated classes, the buffer layout of each function, constants and variable values (NPY).
 *
 * <p>An AOT jar is code: loading one defines the classes it holds, so load only jars you trust
 * (a graph file, by contrast, is data). Calls are serialized, so assignments stay consistent.
 */
public final class AotModule {
    private static final String VECTOR_MODULE = "jdk.incubator.vector";

    private final Map<String, Executable> functions = new LinkedHashMap<>();
    private final VariableStore variables = new VariableStore();

    private AotModule() {
    }

    /**
     * One function (or region) to package: its program, the class file that implements it on the
     * CPU (null for CUDA only), its CUDA module (null for the CPU only), and those of the regions of
     * its control-flow kernels, in kernel order.
     */
    public record CompiledFunction(KernelProgram program, String className, byte[] classFile, CudaCode cuda,
                                   List<CompiledFunction> regions) {
    }

    /**
     * Writes an AOT jar atomically (a temporary file renamed into place). {@code vectorized} says
     * whether the classes use the Vector API, so that a runtime without it refuses them clearly.
     */
    public static void write(Path jar, List<CompiledFunction> functions, Map<String, HostTensor> variables,
                             boolean vectorized) throws IOException {
        Path dir = jar.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, "." + jar.getFileName(), ".tmp");
        try {
            Manifest mf = new Manifest();
            mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
            mf.getMainAttributes().putValue("Created-By", "Jitflow");
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(temp))) {
                java.io.ByteArrayOutputStream manifestBytes = new java.io.ByteArrayOutputStream();
                mf.write(manifestBytes);
                put(out, JarFile.MANIFEST_NAME, manifestBytes.toByteArray());
                Map<String, String> variableEntries = new LinkedHashMap<>();
                int v = 0;
                for (Map.Entry<String, HostTensor> e : variables.entrySet()) {
                    String entry = "jitflow/variables/" + v++ + ".npy";
                    variableEntries.put(e.getKey(), entry);
                    put(out, entry, Npy.toBytes(e.getValue()));
                }
                // Every function and region gets a number, for the names of its entries.
                Map<AotManifest.FunctionEntry, Integer> numbers = new java.util.IdentityHashMap<>();
                List<AotManifest.FunctionEntry> entries = new ArrayList<>();
                java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
                for (CompiledFunction f : functions) {
                    entries.add(entry(f, out, numbers, next));
                }
                Map<String, HostTensor> constants = new LinkedHashMap<>();
                String manifest = AotManifest.write(new AotManifest.Contents(vectorized, variableEntries, entries),
                        (f, b) -> {
                            String entry = "jitflow/constants/" + numbers.get(f) + "/" + b.id() + ".npy";
                            constants.put(entry, b.constant());
                            return entry;
                        });
                for (Map.Entry<String, HostTensor> e : constants.entrySet()) {
                    put(out, e.getKey(), Npy.toBytes(e.getValue()));
                }
                put(out, AotManifest.ENTRY, manifest.getBytes(StandardCharsets.UTF_8));
            }
            Files.move(temp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** A function's (or region's) manifest entry, its class and PTX written to the jar, its regions' too. */
    private static AotManifest.FunctionEntry entry(CompiledFunction f, JarOutputStream out,
                                                   Map<AotManifest.FunctionEntry, Integer> numbers,
                                                   java.util.concurrent.atomic.AtomicInteger next) throws IOException {
        int number = next.getAndIncrement();
        AotManifest.Cuda cuda = null;
        if (f.cuda() != null) {
            String entry = "jitflow/ptx/" + number + ".ptx";
            put(out, entry, f.cuda().ptx().getBytes(StandardCharsets.UTF_8));
            cuda = new AotManifest.Cuda(entry, f.cuda().errors(), f.cuda().launches());
        }
        if (f.classFile() != null) {
            put(out, f.className().replace('.', '/') + ".class", f.classFile());
        }
        List<AotManifest.FunctionEntry> regions = new ArrayList<>();
        for (CompiledFunction region : f.regions()) {
            regions.add(entry(region, out, numbers, next));
        }
        AotManifest.FunctionEntry entry = new AotManifest.FunctionEntry(f.classFile() == null ? null : f.className(),
                f.program(), cuda, regions);
        numbers.put(entry, number);
        return entry;
    }

    /** Entries carry a fixed time, so compiling the same graph twice gives the same bytes. */
    private static final long ENTRY_TIME = java.time.Instant.parse("2020-01-01T00:00:00Z").toEpochMilli();

    private static void put(JarOutputStream out, String name, byte[] bytes) throws IOException {
        JarEntry entry = new JarEntry(name);
        entry.setTime(ENTRY_TIME);
        out.putNextEntry(entry);
        out.write(bytes);
        out.closeEntry();
    }

    /** Loads a jar written by {@link #write} for the CPU: defines its classes in a loader of their own. */
    public static AotModule load(Path jar) throws IOException {
        return load(jar, Device.cpu());
    }

    /**
     * Loads a jar written by {@link #write} for {@code device}: on the CPU its classes, on a CUDA
     * device its PTX modules, which the driver compiles for that GPU.
     */
    public static AotModule load(Path jar, Device device) throws IOException {
        AotModule module = new AotModule();
        try (JarFile file = new JarFile(jar.toFile())) {
            ZipEntry manifestEntry = file.getEntry(AotManifest.ENTRY);
            if (manifestEntry == null) {
                throw new AotFormatException(jar + ": not a Jitflow AOT jar (no " + AotManifest.ENTRY + ")");
            }
            String text = new String(read(file, manifestEntry, jar), StandardCharsets.UTF_8);
            AotManifest.Contents contents = AotManifest.read(text, jar + "!" + AotManifest.ENTRY,
                    entry -> readNpy(file, entry, jar));
            if (!device.isCuda() && contents.vectorized() && ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
                throw new AotFormatException(jar + " was compiled to use the Vector API: run with --add-modules "
                        + VECTOR_MODULE + ", or compile it with -Djitflow.exact=true");
            }
            contents.variableEntries().forEach((name, entry) -> module.variables.set(name, readNpy(file, entry, jar)));
            Loader loader = new Loader(AotModule.class.getClassLoader());
            for (AotManifest.FunctionEntry f : contents.functions()) {
                if (device.isCuda()) {
                    module.functions.put(f.program().name(), new CudaExecutable(f.program(), cudaCode(f, file, jar),
                            device.cudaDevice()));
                    continue;
                }
                module.functions.put(f.program().name(), cpuExecutable(f, file, jar, loader));
            }
        }
        return module;
    }

    /** A function's or region's CUDA code: its PTX, errors and launches, and its regions' code, as the JIT has it. */
    private static CudaCode cudaCode(AotManifest.FunctionEntry f, JarFile file, Path jar) {
        if (f.cuda() == null) {
            throw new AotFormatException(jar + ": function " + f.program().name() + " was not compiled for CUDA (compile "
                    + "with --target cuda or all)");
        }
        String ptx = new String(read(file, requireEntry(file, f.cuda().ptxEntry(), jar), jar), StandardCharsets.UTF_8);
        List<CudaCode> regions = new ArrayList<>();
        for (AotManifest.FunctionEntry region : f.regions()) {
            regions.add(cudaCode(region, file, jar));
        }
        return new CudaCode(ptx, f.cuda().errors(), f.cuda().launches(), regions);
    }

    /** A function's or region's class, constructed with its control-flow kernels, their regions loaded the same way. */
    private static ProgramExecutable cpuExecutable(AotManifest.FunctionEntry f, JarFile file, Path jar, Loader loader) {
        if (f.className() == null) {
            throw new AotFormatException(jar + ": function " + f.program().name() + " was compiled for CUDA only "
                    + "(load it on a CUDA device, or compile with --target cpu or all)");
        }
        ZipEntry classEntry = file.getEntry(f.className().replace('.', '/') + ".class");
        if (classEntry == null) {
            throw new AotFormatException(jar + ": the class of function " + f.program().name() + " is missing");
        }
        List<CompiledProgram> controls = new ArrayList<>();
        int region = 0;
        for (Kernel.Control c : f.controls()) {
            List<ProgramExecutable> regions = new ArrayList<>();
            for (int i = 0; i < c.regions().size(); i++) {
                regions.add(cpuExecutable(f.regions().get(region++), file, jar, loader));
            }
            controls.add(new ControlKernel(c, regions, f.program().symbols()));
        }
        CompiledProgram code = loader.instantiate(f.className(), read(file, classEntry, jar),
                controls.toArray(new CompiledProgram[0]));
        return new ProgramExecutable(f.program(), code);
    }

    private static byte[] read(JarFile file, ZipEntry entry, Path jar) {
        try (var in = file.getInputStream(entry)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new AotFormatException(jar + ": cannot read " + entry.getName() + ": " + e.getMessage());
        }
    }

    private static HostTensor readNpy(JarFile file, String entry, Path jar) {
        return Npy.read(read(file, requireEntry(file, entry, jar), jar), jar + "!" + entry);
    }

    private static ZipEntry requireEntry(JarFile file, String entry, Path jar) {
        ZipEntry e = file.getEntry(entry);
        if (e == null) {
            throw new AotFormatException(jar + ": entry " + entry + " is missing");
        }
        return e;
    }

    /** Defines the generated classes; their only references are to the runtime, graph-ir and the JDK. */
    private static final class Loader extends ClassLoader {
        Loader(ClassLoader parent) {
            super(parent);
        }

        CompiledProgram instantiate(String className, byte[] bytes, CompiledProgram[] controls) {
            try {
                Class<?> c = defineClass(className, bytes, 0, bytes.length);
                return (CompiledProgram) c.getDeclaredConstructor(CompiledProgram[].class).newInstance((Object) controls);
            } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
                throw new AotFormatException("cannot load generated class " + className + ": " + e);
            }
        }
    }

    public List<String> functionNames() {
        return List.copyOf(functions.keySet());
    }

    /** The named, typed inputs of a function. */
    public Map<String, TensorType> inputs(String function) {
        return types(executable(function).program().inputs());
    }

    /** The named, typed outputs of a function. */
    public Map<String, TensorType> outputs(String function) {
        return types(executable(function).program().outputs());
    }

    private static Map<String, TensorType> types(Map<String, Buffer> buffers) {
        Map<String, TensorType> types = new LinkedHashMap<>();
        buffers.forEach((name, b) -> types.put(name, b.type()));
        return types;
    }

    /** Runs a function on inputs by name; returns its outputs by name and keeps its variable assignments. */
    public synchronized Map<String, HostTensor> call(String function, Map<String, HostTensor> inputs) {
        return executable(function).run(inputs, variables);
    }

    /** A variable's current value. */
    public synchronized HostTensor variable(String name) {
        return variables.get(name);
    }

    private Executable executable(String function) {
        Executable f = functions.get(function);
        if (f == null) {
            throw new io.jitflow.ir.IrException("no function " + function + " (functions: "
                    + String.join(", ", functions.keySet()) + ")");
        }
        return f;
    }
}
