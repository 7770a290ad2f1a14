package io.jitflow.ir;

/** What reference evaluation of one node may ask of the run around it. */
public interface EvalContext {
    HostTensor readVariable(String name);

    /** Records an assignment; the run decides when it becomes visible outside. */
    void assignVariable(String name, HostTensor value);

    /** The concrete sizes of a shape whose symbolic dims are bound by the run's inputs. */
    int[] resolve(Shape shape);
}
