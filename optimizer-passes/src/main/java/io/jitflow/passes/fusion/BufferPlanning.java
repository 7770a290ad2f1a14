package io.jitflow.passes.fusion;

import io.jitflow.ir.kernel.Buffer;
import io.jitflow.ir.kernel.Expr;
import io.jitflow.ir.kernel.Kernel;
import io.jitflow.ir.kernel.KernelProgram;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Buffer planning over a kernel program's liveness: a temporary whose last reader has run gives its
 * storage to the next temporary of the same dtype and size that a later kernel writes, which
 * becomes a view of it. A program then needs as many arrays as values are live at once rather than
 * one per temporary, so its working set stays in cache. Inputs, constants, variables and anything
 * that escapes a run (an output, an assigned variable, or the storage of a view of one) are never
 * shared. A map whose only reads of a dying temporary are at the point it writes may write over it
 * in place (unless it has siblings); otherwise a kernel never writes storage it reads. Buffers
 * nothing uses any more are dropped first.
 */
public final class BufferPlanning {
    private BufferPlanning() {
    }

    public static KernelProgram plan(KernelProgram unplanned) {
        KernelProgram program = withoutUnusedBuffers(unplanned);
        List<Kernel> kernels = program.kernels();
        Set<Buffer> escaping = program.escapingStorage();
        // The last kernel that reads each storage root (through the buffer itself or a view of it).
        Map<Integer, Integer> lastRead = new HashMap<>();
        Map<Integer, Integer> writer = new HashMap<>();
        for (int k = 0; k < kernels.size(); k++) {
            for (Buffer b : kernels.get(k).reads()) {
                lastRead.put(b.storage().id(), k);
            }
            for (Buffer written : kernels.get(k).outputs()) {
                writer.putIfAbsent(written.id(), k);
            }
        }
        Map<Integer, Buffer> storageOf = new HashMap<>();
        // Storage roots that are free again, with the kernel after which they are.
        Map<Buffer, Integer> busyUntil = new LinkedHashMap<>();
        // Which temporary holds each storage root's value now.
        Map<Buffer, Buffer> occupant = new HashMap<>();
        for (int k = 0; k < kernels.size(); k++) {
            Kernel kernel = kernels.get(k);
            for (Buffer written : kernel.outputs()) {
                if (!isPlannable(written, escaping) || writer.get(written.id()) != k) {
                    continue;
                }
                // Of the storage free for it, the one read last: the likeliest still in cache.
                Buffer donor = null;
                int donorFreed = -1;
                for (Map.Entry<Buffer, Integer> e : busyUntil.entrySet()) {
                    boolean dead = e.getValue() < k;
                    boolean inPlace = e.getValue() == k && readsOnlyItsOwnPoint(kernel, occupant.get(e.getKey()));
                    if ((dead || inPlace) && e.getValue() > donorFreed && e.getKey().id() < written.id()
                            && fits(e.getKey(), written)) {
                        donor = e.getKey();
                        donorFreed = e.getValue();
                    }
                }
                Buffer storage = donor != null ? donor : written;
                if (donor != null) {
                    storageOf.put(written.id(), donor);
                }
                busyUntil.put(storage, lastRead.getOrDefault(written.id(), k));
                occupant.put(storage, written);
            }
        }
        if (storageOf.isEmpty()) {
            return program;
        }
        List<Buffer> buffers = new ArrayList<>();
        for (Buffer b : program.buffers()) {
            Buffer storage = storageOf.get(b.id());
            if (storage == null && b.viewOf() != null) {
                storage = storageOf.getOrDefault(b.viewOf().id(), b.viewOf());
            }
            buffers.add(storage == null ? b : new Buffer(b.id(), b.type(), Buffer.Kind.VIEW, b.name(), null, storage));
        }
        java.util.function.UnaryOperator<Buffer> replace = b -> buffers.get(b.id());
        List<Kernel> planned = kernels.stream().map(k -> k.withBuffers(replace)).toList();
        return new KernelProgram(program.name(), buffers, planned, remap(program.inputs(), replace),
                remap(program.outputs(), replace), remap(program.variableReads(), replace),
                remap(program.variableWrites(), replace));
    }

    /**
     * The program without buffers that no kernel reads or writes and that are not an input, an
     * output or a variable (the results multi-output kernels stopped storing), renumbered.
     */
    private static KernelProgram withoutUnusedBuffers(KernelProgram program) {
        Set<Buffer> used = new HashSet<>();
        for (Kernel k : program.kernels()) {
            used.addAll(k.reads());
            used.addAll(k.outputs());
        }
        for (Map<String, Buffer> named : List.of(program.inputs(), program.outputs(), program.variableReads(),
                program.variableWrites())) {
            used.addAll(named.values());
        }
        for (Buffer b : List.copyOf(used)) {
            for (Buffer v = b.viewOf(); v != null; v = v.viewOf()) {
                used.add(v);
            }
        }
        if (used.size() == program.buffers().size()) {
            return program;
        }
        Map<Integer, Buffer> renumbered = new HashMap<>();
        List<Buffer> buffers = new ArrayList<>();
        for (Buffer b : program.buffers()) {
            if (used.contains(b)) {
                Buffer storage = b.viewOf() == null ? null : renumbered.get(b.viewOf().id());
                Buffer kept = new Buffer(buffers.size(), b.type(), b.kind(), b.name(), b.constant(), storage);
                renumbered.put(b.id(), kept);
                buffers.add(kept);
            }
        }
        java.util.function.UnaryOperator<Buffer> replace = b -> renumbered.get(b.id());
        return new KernelProgram(program.name(), buffers, program.kernels().stream().map(k -> k.withBuffers(replace))
                .toList(), remap(program.inputs(), replace), remap(program.outputs(), replace),
                remap(program.variableReads(), replace), remap(program.variableWrites(), replace));
    }

    /**
     * Whether {@code kernel}, a map, reads {@code value} only at the point it writes (directly, with
     * the identity index), so that it may write its result over {@code value} in place: every point
     * reads its element before it writes the same element, and no other point touches it.
     */
    private static boolean readsOnlyItsOwnPoint(Kernel kernel, Buffer value) {
        // With siblings, a later result at a point could read what an earlier one wrote over.
        if (!(kernel instanceof Kernel.Map map) || map.results().size() > 1 || !value.type().shape().equals(map.space())) {
            return false;
        }
        boolean[] ok = {true};
        Expr.walk(map.body(), e -> {
            if (e instanceof Expr.Load load && load.buffer().storage().id() == value.id()) {
                ok[0] &= load.buffer().id() == value.id() && IndexExprs.isIdentity(load.index());
            }
        });
        return ok[0];
    }

    private static boolean isPlannable(Buffer b, Set<Buffer> escaping) {
        return b.kind() == Buffer.Kind.TEMP && !escaping.contains(b);
    }

    /** Same dtype and the same number of elements, for any sizes of the symbolic dims. */
    private static boolean fits(Buffer storage, Buffer b) {
        if (storage.type().dtype() != b.type().dtype()) {
            return false;
        }
        boolean bothStatic = storage.type().shape().isStatic() && b.type().shape().isStatic();
        return bothStatic ? storage.type().shape().elementCount() == b.type().shape().elementCount()
                : storage.type().shape().equals(b.type().shape());
    }

    private static Map<String, Buffer> remap(Map<String, Buffer> named, java.util.function.UnaryOperator<Buffer> replace) {
        Map<String, Buffer> result = new LinkedHashMap<>();
        named.forEach((name, b) -> result.put(name, replace.apply(b)));
        return result;
    }
}
