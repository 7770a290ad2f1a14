package io.jitflow.compiler;

import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.IrException;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.passes.Pass;
import io.jitflow.passes.PassManager;
import io.jitflow.passes.SpecializeShapes;
import io.jitflow.passes.fusion.BufferPlanning;
import io.jitflow.passes.fusion.KernelLowering;
import io.jitflow.passes.fusion.SiblingMaps;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The compiler's stages, each with a name: the graph passes (shape specialization first when the
 * options bind dims), then {@code fuse} (a function to a kernel program), {@code merge-siblings}
 * and {@code plan-buffers}. After each stage the options may dump the program: a graph stage in
 * the text format, a kernel stage as its listing, each headed {@code # after STAGE}.
 */
public final class Pipeline {
    public static final String FUSE = "fuse";
    public static final String MERGE_SIBLINGS = "merge-siblings";
    public static final String PLAN_BUFFERS = "plan-buffers";

    private record KernelStage(String name, UnaryOperator<KernelProgram> run) {
    }

    private static final List<KernelStage> KERNEL_STAGES = List.of(new KernelStage(MERGE_SIBLINGS, SiblingMaps::merge),
            new KernelStage(PLAN_BUFFERS, BufferPlanning::plan));

    private final List<Pass> passes;
    private final CompileOptions options;

    private Pipeline(List<Pass> passes, CompileOptions options) {
        List<Pass> all = new ArrayList<>();
        if (!options.shapeBindings().isEmpty()) {
            all.add(new SpecializeShapes(options.shapeBindings()));
        }
        all.addAll(passes);
        this.passes = List.copyOf(all);
        this.options = options;
        Set<String> unknown = new LinkedHashSet<>(options.dumpAfter());
        unknown.remove("all");
        unknown.removeAll(stageNames());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("cannot dump after '" + String.join("', '", unknown) + "': no such stage "
                    + "(stages: " + String.join(", ", new LinkedHashSet<>(stageNames())) + ", or all)");
        }
    }

    /** The default graph passes, then the kernel stages. */
    public static Pipeline standard(CompileOptions options) {
        return new Pipeline(PassManager.defaultPasses(), options);
    }

    /** The given graph passes (the command line's {@code --passes}), then the kernel stages. */
    public static Pipeline withPasses(List<Pass> passes, CompileOptions options) {
        return new Pipeline(passes, options);
    }

    /** Every stage's name in order (a pass that runs twice is named twice). */
    public List<String> stageNames() {
        List<String> names = new ArrayList<>();
        passes.forEach(p -> names.add(p.name()));
        names.add(FUSE);
        KERNEL_STAGES.forEach(s -> names.add(s.name()));
        return names;
    }

    /** Runs the graph stages over every function of {@code graph}. */
    public Graph optimize(Graph graph) {
        Set<String> dumped = new LinkedHashSet<>();
        for (Pass p : passes) {
            if (options.dumps(p.name())) {
                dumped.add(p.name());
            }
        }
        return new PassManager(passes).verifyEachPass(options.verify()).dumpAfter(dumped, options.dumps()).run(graph);
    }

    /** Runs the kernel stages on function {@code name} of an optimized graph. */
    public KernelProgram lower(Graph optimized, String name) {
        Function f = optimized.function(name).orElseThrow(() -> new IrException("the graph has no function @" + name));
        return lower(f, optimized.inferenceContext());
    }

    /** Runs the kernel stages on {@code function}, whatever passes it went through. */
    public KernelProgram lower(Function function, InferenceContext context) {
        KernelProgram program = dump(FUSE, KernelLowering.fuse(function, context, options.exact()));
        for (KernelStage stage : KERNEL_STAGES) {
            program = dump(stage.name(), program.throughRegions(stage.run()));
        }
        return program;
    }

    private KernelProgram dump(String stage, KernelProgram program) {
        if (options.dumps(stage)) {
            options.dumps().print("# after " + stage + "\n" + program);
        }
        return program;
    }
}
