package io.jitflow.keras;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.DType;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Updates weights from their gradients, as Keras's optimizers do, keeping per-weight slots
 * (momentum, moving averages) and a step counter in variables, so that a traced training step
 * updates them in the compiled graph. By name ({@link #of}: "sgd", "rmsprop", "adam", "adadelta",
 * with Keras's defaults) or through the subclasses' constructors.
 */
public abstract class Optimizer {
    protected final double learningRate;
    private final Map<Variable, List<Variable>> slots = new IdentityHashMap<>();
    private Variable iterations;

    protected Optimizer(double learningRate) {
        this.learningRate = learningRate;
    }

    public abstract String name();

    public double learningRate() {
        return learningRate;
    }

    /** How many slot variables each weight needs. */
    protected abstract int slotsPerWeight();

    /**
     * Assigns the weight its new value (and its slots theirs) from gradient {@code g}; {@code step}
     * is the 1-based step number as a float32 scalar.
     */
    protected abstract void update(Variable weight, Tensor g, List<Variable> slots, Tensor step);

    /** Creates the slots (zeros) and the step counter; call before tracing a step that applies updates. */
    public void build(List<Variable> weights) {
        if (iterations == null) {
            iterations = new Variable(Jf.constant(0L), name() + "/iterations", false);
        }
        for (Variable w : weights) {
            slots.computeIfAbsent(w, k -> {
                List<Variable> s = new ArrayList<>();
                for (int i = 0; i < slotsPerWeight(); i++) {
                    s.add(new Variable(Jf.zeros(w.dtype(), w.shape()), w.name() + "/" + name() + "_slot" + i, false));
                }
                return s;
            });
        }
    }

    /** Applies one step of updates. */
    public void apply(List<Variable> weights, List<Tensor> gradients) {
        build(weights);
        Tensor step = iterations.asTensor().cast(DType.FLOAT32).add(1.0);
        for (int i = 0; i < weights.size(); i++) {
            if (gradients.get(i) != null) {
                update(weights.get(i), gradients.get(i), slots.get(weights.get(i)), step);
            }
        }
        iterations.assignAdd(Jf.constant(1L));
    }

    /** How many steps have been applied. */
    public long iterations() {
        return iterations == null ? 0 : iterations.asTensor().longValue();
    }

    /** The optimizer's own state: the step counter and every slot. */
    public List<Variable> variables() {
        List<Variable> all = new ArrayList<>();
        if (iterations != null) {
            all.add(iterations);
        }
        slots.values().forEach(all::addAll);
        return all;
    }

    public static Optimizer of(String name) {
        return switch (name) {
            case "sgd" -> new Sgd(0.01);
            case "rmsprop" -> new RmsProp(0.001);
            case "adam" -> new Adam(0.001);
            case "adadelta" -> new Adadelta(0.001);
            default -> throw new IllegalArgumentException("unknown optimizer '" + name
                    + "' (known: sgd, rmsprop, adam, adadelta)");
        };
    }

    /** Gradient descent, with optional (Nesterov) momentum: v = m v - lr g; w += v (or w += m v - lr g). */
    public static final class Sgd extends Optimizer {
        private final double momentum;
        private final boolean nesterov;

        public Sgd(double learningRate) {
            this(learningRate, 0, false);
        }

        public Sgd(double learningRate, double momentum, boolean nesterov) {
            super(learningRate);
            this.momentum = momentum;
            this.nesterov = nesterov;
        }

        public String name() {
            return "SGD";
        }

        protected int slotsPerWeight() {
            return momentum == 0 ? 0 : 1;
        }

        protected void update(Variable w, Tensor g, List<Variable> slots, Tensor step) {
            if (momentum == 0) {
                w.assignSub(g.mul(learningRate));
                return;
            }
            Tensor scaled = g.mul(learningRate);
            Tensor v = slots.get(0).mul(momentum).sub(scaled);
            slots.get(0).assign(v);
            w.assign(nesterov ? w.add(v.mul(momentum)).sub(scaled) : w.add(v));
        }
    }

    /** RMSprop: ms = rho ms + (1 - rho) g^2; w -= lr g / (sqrt(ms) + epsilon). */
    public static final class RmsProp extends Optimizer {
        private final double rho;
        private final double epsilon;

        public RmsProp(double learningRate) {
            this(learningRate, 0.9, 1e-7);
        }

        public RmsProp(double learningRate, double rho, double epsilon) {
            super(learningRate);
            this.rho = rho;
            this.epsilon = epsilon;
        }

        public String name() {
            return "RMSprop";
        }

        protected int slotsPerWeight() {
            return 1;
        }

        protected void update(Variable w, Tensor g, List<Variable> slots, Tensor step) {
            Tensor ms = slots.get(0).mul(rho).add(g.square().mul(1 - rho));
            slots.get(0).assign(ms);
            w.assignSub(g.mul(learningRate).div(ms.sqrt().add(epsilon)));
        }
    }

    /**
     * Adam: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; w -= lr_t m / (sqrt(v) + epsilon) with
     * lr_t = lr sqrt(1 - b2^t) / (1 - b1^t).
     */
    public static final class Adam extends Optimizer {
        private final double beta1;
        private final double beta2;
        private final double epsilon;

        public Adam(double learningRate) {
            this(learningRate, 0.9, 0.999, 1e-7);
        }

        public Adam(double learningRate, double beta1, double beta2, double epsilon) {
            super(learningRate);
            this.beta1 = beta1;
            this.beta2 = beta2;
            this.epsilon = epsilon;
        }

        public String name() {
            return "Adam";
        }

        protected int slotsPerWeight() {
            return 2;
        }

        protected void update(Variable w, Tensor g, List<Variable> slots, Tensor step) {
            Tensor t = step.cast(g.dtype());
            Tensor b1t = Jf.pow(Jf.fill(g.dtype(), beta1), t);
            Tensor b2t = Jf.pow(Jf.fill(g.dtype(), beta2), t);
            Tensor lr = Jf.sqrt(Jf.onesLike(b2t).sub(b2t)).div(Jf.onesLike(b1t).sub(b1t)).mul(learningRate);
            Tensor m = slots.get(0).mul(beta1).add(g.mul(1 - beta1));
            Tensor v = slots.get(1).mul(beta2).add(g.square().mul(1 - beta2));
            slots.get(0).assign(m);
            slots.get(1).assign(v);
            w.assignSub(m.mul(lr).div(v.sqrt().add(epsilon)));
        }
    }

    /**
     * Adadelta: a = rho a + (1 - rho) g^2; u = sqrt(d + eps) / sqrt(a + eps) g; d = rho d + (1 - rho) u^2;
     * w -= lr u.
     */
    public static final class Adadelta extends Optimizer {
        private final double rho;
        private final double epsilon;

        public Adadelta(double learningRate) {
            this(learningRate, 0.95, 1e-7);
        }

        public Adadelta(double learningRate, double rho, double epsilon) {
            super(learningRate);
            this.rho = rho;
            this.epsilon = epsilon;
        }

        public String name() {
            return "Adadelta";
        }

        protected int slotsPerWeight() {
            return 2;
        }

        protected void update(Variable w, Tensor g, List<Variable> slots, Tensor step) {
            Tensor accumulated = slots.get(0).mul(rho).add(g.square().mul(1 - rho));
            Tensor u = Jf.sqrt(slots.get(1).add(epsilon)).div(Jf.sqrt(accumulated.add(epsilon))).mul(g);
            slots.get(0).assign(accumulated);
            slots.get(1).assign(slots.get(1).mul(rho).add(u.square().mul(1 - rho)));
            w.assignSub(u.mul(learningRate));
        }
    }
}
