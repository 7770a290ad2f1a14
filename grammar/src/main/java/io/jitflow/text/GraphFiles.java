package io.jitflow.text;

import io.jitflow.ir.Attr;
import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.GraphReader;
import io.jitflow.ir.GraphWriter;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.IrException;
import io.jitflow.ir.Node;
import io.jitflow.ir.Variable;
import io.jitflow.ir.text.GraphPrinter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * Graph files on disk: {@code NAME.jfg} holds the text, and tensors larger than
 * {@link #INLINE_LIMIT} elements go to a sidecar {@code NAME.HASH.jfw} beside it as raw
 * little-endian bytes, referenced by offset, length and CRC-32.
 *
 * <p>Writing is atomic: the sidecar gets a name of its own (from its content's checksum), so it
 * never overwrites the one the current text refers to; the text is renamed into place last, which
 * is the commit point. A failure before it leaves the previous pair intact. The previous
 * generation's sidecar is kept until the next write, so a reader that read the old text while
 * this write committed still finds its weights. Writes of one path, from threads or processes,
 * take turns (a lock file {@code .NAME.jfg.lock} beside it): the last one wins. A write also
 * removes the temporary files of writes to the same path that were killed. Files are created with
 * the default permissions, so the umask applies.
 */
public final class GraphFiles {
    /** Tensors with more elements than this are written to the sidecar. */
    public static final int INLINE_LIMIT = 64;
    /** Sidecar entries start at multiples of this, so a reader can map them aligned. */
    private static final int ALIGNMENT = 64;

    private GraphFiles() {
    }

    /**
     * Reads a graph file and its sidecar, or a file of another format whose {@link GraphReader} is on
     * the class path (an {@code .onnx} model with the onnx module). A save that commits while the
     * file is being read can take the sidecar away (two saves in a row remove the generation before
     * the previous one); the read is then tried again, on the new file.
     */
    public static Graph read(Path file) throws IOException {
        Optional<GraphReader> other = GraphReader.forFile(file);
        if (other.isPresent()) {
            return other.get().read(file);
        }
        if (file.toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            throw new IrException(file + ": reading ONNX models needs the module io.jitflow:onnx on the class path");
        }
        for (int attempt = 1; ; attempt++) {
            Object version = version(file);
            try {
                return GraphParser.parse(file);
            } catch (GraphParseException e) {
                if (attempt == 3 || java.util.Objects.equals(version, version(file))) {
                    throw e;
                }
            }
        }
    }

    /** What changes when a save commits: the file's identity (renaming replaces it) and modification time. */
    private static Object version(Path file) throws IOException {
        try {
            java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(file,
                    java.nio.file.attribute.BasicFileAttributes.class);
            return List.of(String.valueOf(a.fileKey()), a.lastModifiedTime(), a.size());
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
    }

    /**
     * Writes {@code graph} to {@code file} and, when it has large tensors, its sidecar; or, for an
     * extension whose {@link GraphWriter} is on the class path ({@code .onnx}), in that format.
     */
    public static void write(Graph graph, Path file) throws IOException {
        Optional<GraphWriter> other = GraphWriter.forFile(file);
        if (other.isPresent()) {
            other.get().write(graph, file);
            return;
        }
        write(graph, file, () -> { });
    }

    /** Writers of a path in this JVM, which file locks (held per process) do not tell apart. */
    private static final Map<Path, Object> WRITERS = new java.util.concurrent.ConcurrentHashMap<>();

    /** As {@link #write(Graph, Path)}; {@code beforeCommit} runs just before the text is renamed into place. */
    static void write(Graph graph, Path file, Runnable beforeCommit) throws IOException {
        Path absolute = file.toAbsolutePath().normalize();
        Path dir = absolute.getParent();
        Files.createDirectories(dir);
        synchronized (WRITERS.computeIfAbsent(absolute, p -> new Object())) {
            try (FileChannel lock = FileChannel.open(dir.resolve("." + absolute.getFileName() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 java.nio.channels.FileLock held = lock.lock()) {
                writeLocked(graph, absolute, beforeCommit);
            }
        }
    }

    private static void writeLocked(Graph graph, Path file, Runnable beforeCommit) throws IOException {
        Path dir = file.getParent();
        String base = file.getFileName().toString().replaceFirst("\\.jfg$", "");
        removeKilledWrites(dir, base);
        String previousSidecar = sidecarNamedBy(file);
        List<HostTensor> large = largeTensors(graph);
        Path sidecarTemp = createTemp(dir, base, ".jfw.tmp");
        Path textTemp = createTemp(dir, base, ".jfg.tmp");
        String sidecarName = null;
        try {
            Map<HostTensor, String> references = new IdentityHashMap<>();
            if (!large.isEmpty()) {
                List<long[]> extents = new ArrayList<>();
                long checksum = writeSidecar(large, sidecarTemp, extents);
                sidecarName = String.format("%s.%08x.jfw", base, checksum);
                for (int i = 0; i < large.size(); i++) {
                    long[] e = extents.get(i);
                    references.put(large.get(i), String.format("external<%s, offset = %d, length = %d, crc32 = 0x%08x>",
                            GraphPrinter.quote(sidecarName), e[0], e[1], e[2]));
                }
            }
            Files.writeString(textTemp, GraphPrinter.print(graph, references::get), StandardCharsets.UTF_8);
            if (sidecarName != null) {
                move(sidecarTemp, dir.resolve(sidecarName));
            }
            beforeCommit.run();
            move(textTemp, file);
            removeStaleSidecars(dir, base, new java.util.HashSet<>(java.util.Arrays.asList(sidecarName, previousSidecar)));
        } finally {
            Files.deleteIfExists(sidecarTemp);
            Files.deleteIfExists(textTemp);
        }
    }

    /** Every tensor the printer would meet that is too large to inline, once each, in printing order. */
    private static List<HostTensor> largeTensors(Graph graph) {
        Map<HostTensor, Boolean> seen = new IdentityHashMap<>();
        List<HostTensor> result = new ArrayList<>();
        List<HostTensor> all = new ArrayList<>();
        for (Variable v : graph.variables()) {
            all.add(v.initialValue());
        }
        for (Function f : graph.functions()) {
            for (Node n : f.nodes()) {
                for (Attr a : n.attributes().asMap().values()) {
                    if (a instanceof Attr.TensorAttr t) {
                        all.add(t.value());
                    }
                }
            }
        }
        for (HostTensor t : all) {
            if (t.size() > INLINE_LIMIT && seen.put(t, Boolean.TRUE) == null) {
                result.add(t);
            }
        }
        return result;
    }

    /** Writes the tensors aligned; fills (offset, length, crc32) per tensor; returns the file's CRC-32. */
    private static long writeSidecar(List<HostTensor> tensors, Path path, List<long[]> extents) throws IOException {
        CRC32 whole = new CRC32();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
            long position = 0;
            ByteBuffer chunk = SidecarCodec.chunkBuffer();
            for (HostTensor t : tensors) {
                long offset = (position + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
                ByteBuffer padding = ByteBuffer.allocate((int) (offset - position));
                whole.update(padding.duplicate());
                writeFully(channel, padding, position);
                CRC32 crc = new CRC32();
                long at = offset;
                int step = SidecarCodec.chunkElements(t.dtype());
                for (int from = 0; from < t.size(); from += step) {
                    SidecarCodec.encode(t, from, Math.min(step, t.size() - from), chunk);
                    crc.update(chunk.duplicate());
                    whole.update(chunk.duplicate());
                    at += chunk.remaining();
                    writeFully(channel, chunk, at - chunk.remaining());
                }
                extents.add(new long[] {offset, at - offset, crc.getValue()});
                position = at;
            }
            channel.force(true);
        }
        return whole.getValue();
    }

    private static void writeFully(FileChannel channel, ByteBuffer bytes, long at) throws IOException {
        long start = at - bytes.position();
        while (bytes.hasRemaining()) {
            channel.write(bytes, start + bytes.position());
        }
    }

    /** A new empty file {@code .BASE.RANDOM SUFFIX}, created with the default permissions (the umask applies). */
    private static Path createTemp(Path dir, String base, String suffix) throws IOException {
        while (true) {
            Path p = dir.resolve("." + base + "." + Long.toUnsignedString(RANDOM.nextLong()) + suffix);
            try {
                return Files.createFile(p);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // another name
            }
        }
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /** Removes the temporary files of earlier writes to this path that never finished (the caller holds the lock). */
    private static void removeKilledWrites(Path dir, String base) throws IOException {
        String pattern = "\\." + java.util.regex.Pattern.quote(base) + "\\.\\d+\\.jf[gw]\\.tmp";
        removeMatching(dir, "." + base + ".*.tmp", name -> name.matches(pattern));
    }

    /** The sidecar the graph file at {@code file} refers to now, or null. */
    private static String sidecarNamedBy(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("external<\"([^\"]+)\"")
                .matcher(Files.readString(file, StandardCharsets.ISO_8859_1));
        return m.find() ? m.group(1) : null;
    }

    /** Removes earlier sidecars of this graph except those named in {@code keep}. */
    private static void removeStaleSidecars(Path dir, String base, Set<String> keep) throws IOException {
        String pattern = java.util.regex.Pattern.quote(base) + "\\.[0-9a-f]{8}\\.jfw";
        removeMatching(dir, base + ".*.jfw", name -> !keep.contains(name) && name.matches(pattern));
    }

    /** Deletes the files in {@code dir} that match {@code glob} and whose names pass {@code remove}. */
    private static void removeMatching(Path dir, String glob, java.util.function.Predicate<String> remove)
            throws IOException {
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, glob)) {
            for (Path p : stream) {
                if (remove.test(p.getFileName().toString())) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
