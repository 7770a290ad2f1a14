package io.jitflow.passes;

import io.jitflow.ir.Function;
import io.jitflow.ir.InferenceContext;

/** A graph-to-graph transformation of one function. Passes return their input unchanged when they find nothing to do. */
public interface Pass {
    /** The kebab-case name used by the pipeline, the CLI and dumps, e.g. {@code fold-constants}. */
    String name();

    Function run(Function function, InferenceContext context);
}
