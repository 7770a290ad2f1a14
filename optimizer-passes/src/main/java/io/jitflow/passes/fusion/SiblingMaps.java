package io.jitflow.passes.fusion;

import io.jitflow.ir.kernel.Buffer;
import io.jitflow.ir.kernel.Expr;
import io.jitflow.ir.kernel.Kernel;
import io.jitflow.ir.kernel.KernelProgram;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Multi-output kernels (horizontal fusion): a map joins an earlier map over the same space and of
 * the same dtype as its sibling, so that one pass computes both and the values they share are
 * loaded once. The map moves up to its host, so no kernel in between may write what it reads; it
 * may read the host's own results, at the point it writes, and then computes them again inline
 * rather than loading them (the update of an optimizer's moments and of its weights becomes one
 * kernel). Runs before buffer planning, when every buffer still has one writer.
 */
public final class SiblingMaps {
    /** The most results one kernel computes: the generated method must stay well within its size limit. */
    private static final int MAX_RESULTS = 8;

    private SiblingMaps() {
    }

    /** The program with its sibling maps merged. */
    public static KernelProgram merge(KernelProgram p) {
        List<Kernel> merged = dropUnreadResults(mergeInto(p.kernels()), p.escapingStorage());
        return new KernelProgram(p.name(), p.buffers(), merged, p.inputs(), p.outputs(), p.variableReads(),
                p.variableWrites());
    }

    private static List<Kernel> mergeInto(List<Kernel> kernels) {
        List<Kernel> result = new ArrayList<>();
        for (Kernel k : kernels) {
            int host = hostFor(result, k);
            if (host < 0) {
                result.add(k);
                continue;
            }
            Kernel.Map h = (Kernel.Map) result.get(host);
            Kernel.Map map = (Kernel.Map) k;
            Map<Buffer, Expr> computed = new HashMap<>();
            h.results().forEach(r -> computed.put(r.output(), r.body()));
            Expr body = Expr.replaceLeaves(map.body(), e -> e instanceof Expr.Load l && computed.containsKey(l.buffer())
                    ? computed.get(l.buffer()) : e);
            List<Kernel.Result> results = new ArrayList<>(h.results());
            results.add(new Kernel.Result(body, map.output()));
            List<String> fused = new ArrayList<>(h.fused());
            fused.addAll(map.fused());
            result.set(host, new Kernel.Map(fused, h.space(), results));
        }
        return result;
    }

    /**
     * A result that its siblings computed inline, and that nothing else reads or gets back, need
     * not be stored at all.
     */
    private static List<Kernel> dropUnreadResults(List<Kernel> kernels, Set<Buffer> escaping) {
        Set<Buffer> read = new java.util.HashSet<>();
        kernels.forEach(k -> k.reads().forEach(b -> read.add(b.storage())));
        List<Kernel> result = new ArrayList<>();
        for (Kernel k : kernels) {
            if (!(k instanceof Kernel.Map m) || m.results().size() == 1) {
                result.add(k);
                continue;
            }
            List<Kernel.Result> kept = m.results().stream()
                    .filter(r -> read.contains(r.output()) || escaping.contains(r.output()) || r.output().kind() != Buffer.Kind.TEMP)
                    .toList();
            result.add(kept.isEmpty() ? m : new Kernel.Map(m.fused(), m.space(), kept));
        }
        return result;
    }

    /** The index in {@code done} of the map {@code k} can join, or -1. */
    private static int hostFor(List<Kernel> done, Kernel k) {
        if (!(k instanceof Kernel.Map map)) {
            return -1;
        }
        Set<Buffer> reads = k.reads().stream().map(Buffer::storage).collect(Collectors.toSet());
        for (int i = done.size() - 1; i >= 0; i--) {
            Kernel candidate = done.get(i);
            boolean feedsK = candidate.outputs().stream().anyMatch(b -> reads.contains(b.storage()));
            if (candidate instanceof Kernel.Map host && host.results().size() < MAX_RESULTS
                    && host.output().type().dtype() == map.output().type().dtype() && host.space().equals(map.space())
                    && (!feedsK || readsResultsAtItsPoint(map, host))
                    && mergedSize(host, map) <= KernelLowering.MAX_KERNEL_NODES) {
                return i;
            }
            if (feedsK) {
                return -1;
            }
        }
        return -1;
    }

    /**
     * The expression nodes of {@code host} with {@code map} merged in: the host's results, and the
     * map's body with each load of a host result replaced by that result's expression.
     */
    private static int mergedSize(Kernel.Map host, Kernel.Map map) {
        Map<Buffer, Integer> resultSizes = new HashMap<>();
        int total = 0;
        for (Kernel.Result r : host.results()) {
            int size = Expr.size(r.body());
            resultSizes.put(r.output(), size);
            total += size;
        }
        int[] mapSize = {0};
        Expr.forEachNode(map.body(), e -> mapSize[0] += e instanceof Expr.Load l ? resultSizes.getOrDefault(l.buffer(), 1) : 1);
        return total + mapSize[0];
    }

    /** Whether {@code map} reads {@code host}'s results only directly, at the point it writes. */
    private static boolean readsResultsAtItsPoint(Kernel.Map map, Kernel.Map host) {
        Set<Buffer> written = host.outputs().stream().map(Buffer::storage).collect(Collectors.toSet());
        boolean[] ok = {true};
        Expr.walk(map.body(), e -> {
            if (e instanceof Expr.Load l && written.contains(l.buffer().storage())) {
                ok[0] &= host.outputs().contains(l.buffer()) && IndexExprs.isIdentity(l.index());
            }
        });
        return ok[0];
    }
}
