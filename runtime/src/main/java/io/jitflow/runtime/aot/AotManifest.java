package io.jitflow.runtime.aot;

import io.jitflow.runtime.cuda.CudaCode;
import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.kernel.Buffer;
import io.jitflow.ir.kernel.Kernel;
import io.jitflow.ir.kernel.KernelProgram;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The manifest of an AOT jar, one record per line: format version, whether the code uses the
 * Vector API, each variable with the jar entry of its value, and per function its generated class
 * and the buffer layout its code expects (the kernels themselves are in the class), and when it was
 * compiled for CUDA too, the jar entry of its PTX, its kernels' error messages and launches. Names are
 * URL-encoded so that every field is one whitespace-free token. A function with control flow
 * lists each control-flow kernel ({@code control OP ATTRS OPERANDS RESULTS REGIONS}) followed by
 * its regions, each a nested block ({@code region NAME CLASS ... end}) of the same records.
 */
final class AotManifest {
    static final String ENTRY = "jitflow/manifest.txt";
    static final String MAGIC = "jitflow-aot";
    /**
     * Raised whenever generated code calls the runtime differently (2: matmuls take their row
     * epilogue; 3: a program's class is constructed with its control-flow kernels; 4: CUDA entries
     * take their buffers' addresses by value, and each launch lists them; 5: convolutions take their
     * epilogue).
     */
    static final int VERSION = 5;

    /**
     * One compiled function or region: the program it implements, the binary name of its class
     * (null when compiled for CUDA only), for CUDA the jar entry of its PTX, the errors its kernels
     * report and their launches (null when compiled for the CPU only), and the entries of the
     * regions of its control-flow kernels, in kernel order.
     */
    record FunctionEntry(String className, KernelProgram program, Cuda cuda, List<FunctionEntry> regions) {
        /** The program's control-flow kernels (a loaded program lists only those: the rest are in its code). */
        List<Kernel.Control> controls() {
            return program.controlKernels();
        }
    }

    record Cuda(String ptxEntry, List<String> errors, List<CudaCode.Launch> launches) {
    }

    record Contents(boolean vectorized, Map<String, String> variableEntries, List<FunctionEntry> functions) {
    }

    private AotManifest() {
    }

    /** Writes the manifest; {@code constantEntry} names the jar entry that will hold a constant buffer's data. */
    static String write(Contents contents, java.util.function.BiFunction<FunctionEntry, Buffer, String> constantEntry) {
        StringBuilder sb = new StringBuilder(MAGIC + " " + VERSION + "\n");
        sb.append("vectorized ").append(contents.vectorized()).append('\n');
        contents.variableEntries().forEach((name, entry) -> sb.append("variable ").append(encode(name)).append(' ')
                .append(encode(entry)).append('\n'));
        for (FunctionEntry f : contents.functions()) {
            entry(sb, "function", f, constantEntry);
        }
        return sb.toString();
    }

    /** One function's or region's records, its regions' blocks nested after each control-flow kernel. */
    private static void entry(StringBuilder sb, String keyword, FunctionEntry f,
                              java.util.function.BiFunction<FunctionEntry, Buffer, String> constantEntry) {
        KernelProgram p = f.program();
        sb.append(keyword).append(' ').append(encode(p.name())).append(' ')
                .append(f.className() == null ? "-" : f.className()).append('\n');
        for (Buffer b : p.buffers()) {
            sb.append("buffer ").append(b.id()).append(' ').append(b.kind()).append(' ')
                    .append(b.type().dtype().text()).append(' ').append(dims(b.type().shape())).append(' ')
                    .append(encode(b.name() == null ? "" : b.name()));
            if (b.kind() == Buffer.Kind.VIEW) {
                sb.append(" view ").append(b.viewOf().id());
            } else if (b.kind() == Buffer.Kind.CONSTANT) {
                sb.append(" constant ").append(encode(constantEntry.apply(f, b)));
            }
            sb.append('\n');
        }
        bindings(sb, "input", p.inputs());
        bindings(sb, "output", p.outputs());
        bindings(sb, "read", p.variableReads());
        bindings(sb, "write", p.variableWrites());
        if (f.cuda() != null) {
            sb.append("ptx ").append(encode(f.cuda().ptxEntry())).append('\n');
            f.cuda().errors().forEach(e -> sb.append("error ").append(encode(e)).append('\n'));
            f.cuda().launches().forEach(l -> sb.append(l.onHost() ? "launch - -" : "launch " + l.entry() + ' '
                    + dims(l.points()) + (l.perBlock() ? " per-block " : " per-thread ")
                    + l.buffers().stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(",")))
                    .append('\n'));
        }
        int region = 0;
        for (Kernel.Control c : f.controls()) {
            sb.append("control ").append(c.op().mnemonic()).append(' ').append(attributes(c.attrs())).append(' ')
                    .append(ids(c.operands())).append(' ').append(ids(c.results())).append(' ')
                    .append(c.regions().size()).append('\n');
            for (int i = 0; i < c.regions().size(); i++) {
                entry(sb, "region", f.regions().get(region++), constantEntry);
            }
        }
        sb.append("end\n");
    }

    /** Control-flow attributes (integers and booleans only): {@code name=value,...}, or - for none. */
    private static String attributes(io.jitflow.ir.Attributes attrs) {
        List<String> fields = new ArrayList<>();
        attrs.asMap().forEach((name, a) -> fields.add(name + "=" + (a instanceof io.jitflow.ir.Attr.BoolAttr b ? b.value()
                : Long.toString(((io.jitflow.ir.Attr.IntAttr) a).value()))));
        return fields.isEmpty() ? "-" : String.join(",", fields);
    }

    private static io.jitflow.ir.Attributes attributes(String text) {
        io.jitflow.ir.Attributes.Builder b = io.jitflow.ir.Attributes.builder();
        if (!text.equals("-")) {
            for (String field : text.split(",")) {
                String[] kv = field.split("=", 2);
                if (kv[1].equals("true") || kv[1].equals("false")) {
                    b.put(kv[0], Boolean.parseBoolean(kv[1]));
                } else {
                    b.put(kv[0], Long.parseLong(kv[1]));
                }
            }
        }
        return b.build();
    }

    private static String ids(List<Buffer> buffers) {
        return buffers.isEmpty() ? "-" : String.join(",", buffers.stream().map(b -> Integer.toString(b.id())).toList());
    }

    private static void bindings(StringBuilder sb, String keyword, Map<String, Buffer> map) {
        map.forEach((name, b) -> sb.append(keyword).append(' ').append(encode(name)).append(' ').append(b.id()).append('\n'));
    }

    /** Reads a manifest; {@code readEntry} gives a constant's data from its jar entry. */
    static Contents read(String text, String source, Function<String, HostTensor> readEntry) {
        String[] lines = text.split("\n");
        if (lines.length == 0 || !lines[0].startsWith(MAGIC + " ")) {
            throw new AotFormatException(source + ": not a Jitflow AOT jar (no '" + MAGIC + "' manifest header)");
        }
        String version = lines[0].substring(MAGIC.length() + 1).trim();
        if (!version.equals(Integer.toString(VERSION))) {
            throw new AotFormatException(source + ": AOT format version " + version + " is not supported (this runtime reads "
                    + VERSION + ")");
        }
        boolean vectorized = false;
        Map<String, String> variables = new LinkedHashMap<>();
        List<FunctionEntry> functions = new ArrayList<>();
        ProgramReader current = null;
        // The blocks being read: a function, then the region blocks open inside it.
        java.util.Deque<ProgramReader> open = new java.util.ArrayDeque<>();
        for (int i = 1; i < lines.length; i++) {
            String where = source + ":" + (i + 1);
            String[] f = lines[i].trim().split(" ");
            try {
                switch (f[0]) {
                    case "vectorized" -> vectorized = Boolean.parseBoolean(f[1]);
                    case "variable" -> variables.put(decode(f[1]), decode(f[2]));
                    case "function" -> {
                        if (current != null) {
                            throw new AotFormatException(where + ": function " + current.name + " has no 'end'");
                        }
                        current = new ProgramReader(decode(f[1]), f[2]);
                    }
                    case "region" -> {
                        open.push(current);
                        current = new ProgramReader(decode(f[1]), f[2]);
                    }
                    case "control" -> current.controls.add(f);
                    case "buffer" -> current.buffer(f, readEntry);
                    case "input", "output", "read", "write" -> current.bind(f[0], decode(f[1]), Integer.parseInt(f[2]));
                    case "ptx" -> current.ptxEntry = decode(f[1]);
                    case "error" -> current.errors.add(decode(f[1]));
                    case "launch" -> current.launches.add(f[1].equals("-") ? CudaCode.Launch.HOST
                            : new CudaCode.Launch(f[1], shape(f[2]), f[3].equals("per-block"),
                                    java.util.Arrays.stream(f[4].split(",")).map(Integer::valueOf).toList()));
                    case "end" -> {
                        FunctionEntry finished = current.finish();
                        if (open.isEmpty()) {
                            functions.add(finished);
                            current = null;
                        } else {
                            current = open.pop();
                            current.regions.add(finished);
                        }
                    }
                    default -> throw new AotFormatException(where + ": unknown manifest record '" + f[0] + "'");
                }
            } catch (ArrayIndexOutOfBoundsException | NullPointerException | IllegalArgumentException e) {
                throw new AotFormatException(where + ": malformed manifest record '" + lines[i] + "'");
            }
        }
        if (current != null) {
            throw new AotFormatException(source + ": function " + current.name + " has no 'end'");
        }
        return new Contents(vectorized, variables, functions);
    }

    /** Collects one function's records. */
    private static final class ProgramReader {
        final String name;
        final String className;
        final List<Buffer> buffers = new ArrayList<>();
        final Map<String, Map<String, Buffer>> bindings = new LinkedHashMap<>();
        String ptxEntry;
        final List<String> errors = new ArrayList<>();
        final List<CudaCode.Launch> launches = new ArrayList<>();
        /** The control records, as read; their regions are the entries read after each, in order. */
        final List<String[]> controls = new ArrayList<>();
        final List<FunctionEntry> regions = new ArrayList<>();

        ProgramReader(String name, String className) {
            this.name = name;
            this.className = className.equals("-") ? null : className;
            for (String k : List.of("input", "output", "read", "write")) {
                bindings.put(k, new LinkedHashMap<>());
            }
        }

        void buffer(String[] f, Function<String, HostTensor> readEntry) {
            int id = Integer.parseInt(f[1]);
            if (id != buffers.size()) {
                throw new IllegalArgumentException("buffer ids must be consecutive");
            }
            Buffer.Kind kind = Buffer.Kind.valueOf(f[2]);
            TensorType type = new TensorType(DType.fromText(f[3]), shape(f[4]));
            String bufferName = decode(f[5]);
            if (kind == Buffer.Kind.VIEW) {
                buffers.add(new Buffer(id, type, kind, bufferName, null, buffers.get(Integer.parseInt(f[7]))));
            } else {
                HostTensor constant = kind == Buffer.Kind.CONSTANT ? readEntry.apply(decode(f[7])) : null;
                buffers.add(new Buffer(id, type, kind, bufferName, constant));
            }
        }

        void bind(String keyword, String name, int id) {
            bindings.get(keyword).put(name, buffers.get(id));
        }

        FunctionEntry finish() {
            List<Kernel.Control> kernels = new ArrayList<>();
            int region = 0;
            for (String[] f : controls) {
                int count = Integer.parseInt(f[5]);
                List<KernelProgram> programs = regions.subList(region, region + count).stream()
                        .map(FunctionEntry::program).toList();
                region += count;
                kernels.add(new Kernel.Control(List.of(), io.jitflow.ir.Op.fromMnemonic(f[1]), attributes(f[2]),
                        buffersOf(f[3]), buffersOf(f[4]), programs));
            }
            if (region != regions.size()) {
                throw new IllegalArgumentException("regions without a control record");
            }
            return new FunctionEntry(className, new KernelProgram(name, buffers, List.copyOf(kernels), bindings.get("input"),
                    bindings.get("output"), bindings.get("read"), bindings.get("write")),
                    ptxEntry == null ? null : new Cuda(ptxEntry, List.copyOf(errors), List.copyOf(launches)),
                    List.copyOf(regions));
        }

        private List<Buffer> buffersOf(String ids) {
            return ids.equals("-") ? List.of()
                    : java.util.Arrays.stream(ids.split(",")).map(id -> buffers.get(Integer.parseInt(id))).toList();
        }
    }

    private static String dims(Shape shape) {
        return shape.rank() == 0 ? "-" : String.join(",", shape.dims().stream().map(Dim::toString).toList());
    }

    private static Shape shape(String text) {
        if (text.equals("-")) {
            return Shape.scalar();
        }
        List<Dim> dims = new ArrayList<>();
        for (String d : text.split(",")) {
            dims.add(Character.isDigit(d.charAt(0)) ? Dim.of(Integer.parseInt(d)) : Dim.named(d));
        }
        return Shape.of(dims);
    }

    private static String encode(String s) {
        return s.isEmpty() ? "-" : s.equals("-") ? "%2D" : URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String decode(String s) {
        return s.equals("-") ? "" : URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
