package io.jitflow.runtime;

import io.jitflow.ir.HostTensor;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.kernel.KernelProgram;
import java.util.Map;

/** A kernel program compiled for one device, run on host values by input name. */
public interface Executable {
    KernelProgram program();

    /** Runs with {@code inputs} by name; reads and assigns variables in {@code variables}; returns outputs by name. */
    Map<String, HostTensor> run(Map<String, HostTensor> inputs, VariableStore variables);
}
