package io.jitflow.passes;

import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.Node;
import io.jitflow.ir.VerificationException;
import io.jitflow.ir.Verifier;
import io.jitflow.ir.text.GraphPrinter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs passes in order over every function of a graph. Optionally verifies after each pass (tests
 * always do) and dumps the function after named passes; records each pass's time.
 */
public final class PassManager {
    private final List<Pass> passes;
    private boolean verify;
    private Set<String> dumpAfter = Set.of();
    private java.io.PrintStream dumpTo = System.err;
    private final Map<String, Long> nanos = new LinkedHashMap<>();

    public PassManager(List<Pass> passes) {
        this.passes = List.copyOf(passes);
    }

    /** The default pipeline, in order. */
    public static PassManager defaultPipeline() {
        return new PassManager(defaultPasses());
    }

    public static List<Pass> defaultPasses() {
        // Canonicalize again after folding, so that new constants sit where the simplify rules look.
        return List.of(new Canonicalize(), new FoldConstants(), new FoldConstantConds(), new Canonicalize(), new Simplify(),
                new CommonSubexpressions(), new HoistLoopInvariants(), new Simplify(), new DeadCode());
    }

    /** Every pass by name, for the command line. */
    public static Map<String, Pass> byName() {
        Map<String, Pass> all = new LinkedHashMap<>();
        for (Pass p : List.of(new Canonicalize(), new Simplify(), new FoldConstants(), new CommonSubexpressions(),
                new DeadCode(), new FoldConstantConds(), new HoistLoopInvariants(), new FoldBatchNorm(),
                new ExpandComposites())) {
            all.put(p.name(), p);
        }
        return all;
    }

    public List<Pass> passes() {
        return passes;
    }

    public PassManager verifyEachPass(boolean on) {
        this.verify = on;
        return this;
    }

    /** Prints the function in the text format to {@code out} after each pass named (or every pass for "all"). */
    public PassManager dumpAfter(Set<String> names, java.io.PrintStream out) {
        this.dumpAfter = names;
        this.dumpTo = out;
        return this;
    }

    public Graph run(Graph graph) {
        InferenceContext context = graph.inferenceContext();
        List<Function> functions = new ArrayList<>();
        for (Function f : graph.functions()) {
            functions.add(run(f, context));
        }
        return new Graph(graph.formatVersion(), graph.opsetVersion(), graph.metadata(), graph.variables(), functions);
    }

    public Function run(Function f, InferenceContext context) {
        for (Pass pass : passes) {
            long start = System.nanoTime();
            f = runInside(pass, f, context);
            nanos.merge(pass.name(), System.nanoTime() - start, Long::sum);
            if (verify) {
                try {
                    Verifier.verify(f, context);
                } catch (VerificationException e) {
                    throw new VerificationException("after pass " + pass.name() + ": " + e.getMessage(), e.location());
                }
            }
            if (dumpAfter.contains(pass.name()) || dumpAfter.contains("all")) {
                dumpTo.print("# after " + pass.name() + "\n" + GraphPrinter.print(f));
            }
        }
        return f;
    }

    /** Runs {@code pass} over every region of {@code f} (innermost first), then over {@code f} itself. */
    private static Function runInside(Pass pass, Function f, InferenceContext context) {
        List<Node> nodes = new ArrayList<>();
        boolean changed = false;
        for (Node n : f.nodes()) {
            List<Function> regions = new ArrayList<>();
            boolean regionChanged = false;
            for (Function region : n.regions()) {
                Function after = runInside(pass, region, context);
                regionChanged |= after != region;
                regions.add(after);
            }
            changed |= regionChanged;
            nodes.add(regionChanged ? new Node(n.op(), n.inputs(), n.attributes(), n.outputs(), regions, n.location()) : n);
        }
        return pass.run(changed ? new Function(f.name(), f.inputs(), nodes, f.outputs()) : f, context);
    }

    /** Time spent in each pass so far, in nanoseconds, by pass name. */
    public Map<String, Long> timings() {
        return java.util.Collections.unmodifiableMap(nanos);
    }
}
