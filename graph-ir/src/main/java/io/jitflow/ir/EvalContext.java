package io.jitflow.ir;

/** What reference evaluation of one node may ask of the run around it. */
public interface EvalContext {
    HostTensor readVariable(String name);

    /** Records an assignment; the run decides when it becomes visible outside. */
    void assignVariable(String name, HostTensor value);

    /** The concrete sizes of a shape whose symbolic dims are bound by the run's inputs. */
    int[] resolve(Shape shape);

    /**
     * The context of evaluating constants (folding): no variables, and shapes already static.
     */
    EvalContext CONSTANT = new EvalContext() {
        @Override
        public HostTensor readVariable(String name) {
            throw new IllegalStateException("variables are not constant");
        }

        @Override
        public void assignVariable(String name, HostTensor value) {
            throw new IllegalStateException("variables are not constant");
        }

        @Override
        public int[] resolve(Shape shape) {
            return shape.sizes();
        }
    };
}
