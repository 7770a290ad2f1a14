package io.jitflow.keras;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Updates weights from their gradients, as Keras's optimizers do, keeping per-weight slots
 * (momentum, moving averages), a step counter and the learning rate in variables, so that a traced
 * training step updates them in the compiled graph and a new rate ({@link #setLearningRate}, a
 * {@link LearningRateSchedule}) never retraces it. By name ({@link #of}: "sgd", "rmsprop", "adam",
 * "adadelta", with Keras's defaults) or through the subclasses' constructors.
 */
public abstract class Optimizer {
    private final double initialRate;
    /** The schedule the rate follows, or null for a rate that {@link #setLearningRate} sets. */
    private final LearningRateSchedule schedule;
    /** Each weight's slots, in the order the weights were built (so that saved files list them in one order). */
    private final Map<Variable, List<Variable>> slots = new java.util.LinkedHashMap<>();
    private Variable iterations;
    private Variable learningRate;
    /** Each gradient is rescaled to at most this L2 norm (Keras's clipnorm); NaN: off. */
    private double clipNorm = Double.NaN;
    /** Each gradient element is clipped to [-clipValue, clipValue] (Keras's clipvalue); NaN: off. */
    private double clipValue = Double.NaN;

    /** A fixed rate when {@code schedule} is null, else the schedule's. */
    protected Optimizer(LearningRateSchedule schedule, double learningRate) {
        this.schedule = schedule;
        this.initialRate = schedule != null ? schedule.rate(0) : learningRate;
    }

    public abstract String name();

    /** The rate the next update uses. */
    public double learningRate() {
        if (schedule != null) {
            return schedule.rate(iterations());
        }
        return learningRate == null ? initialRate : learningRate.asTensor().doubleValue();
    }

    /** Sets the rate of the updates from now on (a callback's change, say); the compiled step is kept. */
    public void setLearningRate(double rate) {
        if (schedule != null) {
            throw new IllegalStateException(name() + "'s learning rate follows a schedule (" + schedule
                    + "); it cannot be set");
        }
        if (!(rate >= 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException(name() + ": the learning rate must be a finite value >= 0, got " + rate);
        }
        rateVariable().assign(Jf.constant(rate));
    }

    private Variable rateVariable() {
        if (learningRate == null) {
            // float64, cast to each weight's dtype where it is used: float64 weights see the rate exactly.
            learningRate = new Variable(Tensor.of(HostTensor.scalar(DType.FLOAT64, initialRate)), name()
                    + "/learning_rate", false);
        }
        return learningRate;
    }

    /** How many slot variables each weight needs. */
    protected abstract int slotsPerWeight();

    /** The value slot {@code slot} starts at (0 but for Adagrad's accumulator and Nadam's product). */
    protected double slotInitialValue(int slot) {
        return 0;
    }

    /** The optimizer's own hyperparameters by Keras's names, for {@link #getConfig}. */
    protected abstract Map<String, Object> config();

    /** Rescales each gradient whose L2 norm exceeds {@code norm} to that norm, as Keras's clipnorm. */
    public Optimizer clipNorm(double norm) {
        if (!(norm > 0)) {
            throw new IllegalArgumentException(name() + ": clipnorm must be > 0, got " + norm);
        }
        this.clipNorm = norm;
        return this;
    }

    /** Clips each gradient element to [-value, value], as Keras's clipvalue. */
    public Optimizer clipValue(double value) {
        if (!(value > 0)) {
            throw new IllegalArgumentException(name() + ": clipvalue must be > 0, got " + value);
        }
        this.clipValue = value;
        return this;
    }

    /** The configuration by Keras's names: name, learning_rate, the hyperparameters, clipnorm and clipvalue when set. */
    public Map<String, Object> getConfig() {
        Map<String, Object> config = new java.util.LinkedHashMap<>();
        config.put("name", name());
        config.put("learning_rate", schedule != null ? schedule : learningRate());
        config.putAll(config());
        if (!Double.isNaN(clipNorm)) {
            config.put("clipnorm", clipNorm);
        }
        if (!Double.isNaN(clipValue)) {
            config.put("clipvalue", clipValue);
        }
        return config;
    }

    /** Keys and values, in this order. */
    protected static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private Tensor clipped(Tensor g) {
        Tensor out = g;
        if (!Double.isNaN(clipValue)) {
            out = Jf.clip(out, -clipValue, clipValue);
        }
        if (!Double.isNaN(clipNorm)) {
            Tensor norm = Jf.sqrt(Jf.reduceSum(Jf.square(out)));
            out = out.mul(Jf.div(Jf.fill(out.dtype(), clipNorm), Jf.maximum(norm, Jf.fill(out.dtype(), clipNorm))));
        }
        return out;
    }

    /**
     * Assigns the weight its new value (and its slots theirs) from gradient {@code g}; {@code step}
     * is the 1-based step number (a float32 scalar) and {@code lr} the learning rate in g's dtype.
     */
    protected abstract void update(Variable weight, Tensor g, List<Variable> slots, Tensor step, Tensor lr);

    /**
     * Creates the slots (zeros), the step counter and the rate; {@link #apply} does it when needed,
     * in a traced step too (their first values are concrete, not traced).
     */
    public void build(List<Variable> weights) {
        if (iterations == null) {
            iterations = new Variable(Tensor.of(HostTensor.scalar(DType.INT64, 0)), name() + "/iterations", false);
        }
        rateVariable();
        for (Variable w : weights) {
            slots.computeIfAbsent(w, k -> {
                List<Variable> s = new ArrayList<>();
                for (int i = 0; i < slotsPerWeight(); i++) {
                    s.add(new Variable(Tensor.of(filled(w.dtype(), w.shape(), slotInitialValue(i))), w.name() + "/"
                            + name() + "_slot" + i, false));
                }
                return s;
            });
        }
    }

    private static HostTensor filled(DType dtype, int[] shape, double value) {
        HostTensor.Writer w = HostTensor.writer(dtype, shape);
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        for (int i = 0; i < n; i++) {
            w.setDouble(i, value);
        }
        return w.build();
    }

    /** Applies one step of updates. */
    public void apply(List<Variable> weights, List<Tensor> gradients) {
        build(weights);
        Tensor done = iterations.asTensor();
        Tensor step = done.cast(DType.FLOAT32).add(1.0);
        Tensor lr = schedule != null ? schedule.rate(done.cast(DType.FLOAT64)) : learningRate.asTensor();
        for (int i = 0; i < weights.size(); i++) {
            Tensor g = gradients.get(i);
            if (g != null) {
                update(weights.get(i), clipped(g), slots.get(weights.get(i)), step, lr.cast(g.dtype()));
            }
        }
        iterations.assignAdd(Jf.constant(1L));
    }

    /** How many steps have been applied. */
    public long iterations() {
        return iterations == null ? 0 : iterations.asTensor().longValue();
    }

    /** The optimizer's own state: the step counter, the learning rate and every slot. */
    public List<Variable> variables() {
        List<Variable> all = new ArrayList<>();
        if (iterations != null) {
            all.add(iterations);
            all.add(learningRate);
        }
        slots.values().forEach(all::addAll);
        return all;
    }

    /**
     * The optimizer a {@link #getConfig} describes (fresh state: {@link #variables} hold it). A
     * learning-rate schedule has no config, so an optimizer with one cannot be made from its config.
     */
    public static Optimizer fromConfig(Map<String, Object> config) {
        if (!(config.get("learning_rate") instanceof Number)) {
            throw new IllegalArgumentException("optimizer config: the learning rate must be a number (a schedule has no"
                    + " config), got " + config.get("learning_rate"));
        }
        java.util.function.ToDoubleFunction<String> number = key -> {
            if (!(config.get(key) instanceof Number n)) {
                throw new IllegalArgumentException("optimizer config of " + config.get("name") + ": '" + key
                        + "' must be a number, got " + config.get(key));
            }
            return n.doubleValue();
        };
        double lr = number.applyAsDouble("learning_rate");
        String name = String.valueOf(config.get("name"));
        Optimizer o = switch (name) {
            case "SGD" -> new Sgd(lr, number.applyAsDouble("momentum"), Boolean.TRUE.equals(config.get("nesterov")));
            case "RMSprop" -> new RmsProp(lr, number.applyAsDouble("rho"), number.applyAsDouble("epsilon"));
            case "Adam" -> new Adam(lr, number.applyAsDouble("beta_1"), number.applyAsDouble("beta_2"),
                    number.applyAsDouble("epsilon"));
            case "Adadelta" -> new Adadelta(lr, number.applyAsDouble("rho"), number.applyAsDouble("epsilon"));
            case "Adagrad" -> new Adagrad(lr, number.applyAsDouble("initial_accumulator_value"),
                    number.applyAsDouble("epsilon"));
            case "Adamax" -> new Adamax(lr, number.applyAsDouble("beta_1"), number.applyAsDouble("beta_2"),
                    number.applyAsDouble("epsilon"));
            case "Nadam" -> new Nadam(lr, number.applyAsDouble("beta_1"), number.applyAsDouble("beta_2"),
                    number.applyAsDouble("epsilon"));
            case "AdamW" -> new AdamW(lr, number.applyAsDouble("weight_decay"), number.applyAsDouble("beta_1"),
                    number.applyAsDouble("beta_2"), number.applyAsDouble("epsilon"));
            default -> throw new IllegalArgumentException("optimizer config: unknown optimizer '" + name + "' (known: SGD,"
                    + " RMSprop, Adam, Adadelta, Adagrad, Adamax, Nadam, AdamW)");
        };
        if (config.containsKey("clipnorm")) {
            o.clipNorm(number.applyAsDouble("clipnorm"));
        }
        if (config.containsKey("clipvalue")) {
            o.clipValue(number.applyAsDouble("clipvalue"));
        }
        return o;
    }

    public static Optimizer of(String name) {
        return switch (name) {
            case "sgd" -> new Sgd(0.01);
            case "rmsprop" -> new RmsProp(0.001);
            case "adam" -> new Adam(0.001);
            case "adadelta" -> new Adadelta(0.001);
            case "adagrad" -> new Adagrad(0.001);
            case "adamax" -> new Adamax(0.001);
            case "nadam" -> new Nadam(0.001);
            case "adamw" -> new AdamW(0.001, 0.004);
            default -> throw new IllegalArgumentException("unknown optimizer '" + name
                    + "' (known: sgd, rmsprop, adam, adadelta, adagrad, adamax, nadam, adamw)");
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
            this(null, learningRate, momentum, nesterov);
        }

        public Sgd(LearningRateSchedule schedule) {
            this(schedule, 0, 0, false);
        }

        public Sgd(LearningRateSchedule schedule, double momentum, boolean nesterov) {
            this(schedule, 0, momentum, nesterov);
        }

        private Sgd(LearningRateSchedule schedule, double learningRate, double momentum, boolean nesterov) {
            super(schedule, learningRate);
            this.momentum = momentum;
            this.nesterov = nesterov;
        }

        public String name() {
            return "SGD";
        }

        protected Map<String, Object> config() {
            return ordered("momentum", momentum, "nesterov", nesterov);
        }

        protected int slotsPerWeight() {
            return momentum == 0 ? 0 : 1;
        }

        protected void update(Variable w, Tensor g, List<Variable> slots, Tensor step, Tensor lr) {
            if (momentum == 0) {
                w.assignSub(g.mul(lr));
                return;
            }
            Tensor scaled = g.mul(lr);
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
            this(null, learningRate, rho, epsilon);
        }

        public RmsProp(LearningRateSchedule schedule) {
            this(schedule, 0, 0.9, 1e-7);
        }

        private RmsProp(LearningRateSchedule schedule, double learningRate, double rho, double epsilon) {
            super(schedule, learningRate);
            this.rho = rho;
            this.epsilon = epsilon;
        }

        public String name() {
            return "RMSprop";
        }

        protected Map<String, Object> config() {
            return ordered("rho", rho, "epsilon", epsilon);
        }

        protected int slotsPerWeight() {
            return 1;
        }

        protected void update(Variable w, Tensor g, List<Variable> slots, Tensor step, Tensor lr) {
            Tensor ms = slots.get(0).mul(rho).add(g.square().mul(1 - rho));
            slots.get(0).assign(ms);
            w.assignSub(g.mul(lr).div(ms.sqrt().add(epsilon)));
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
            this(null, learningRate, beta1, beta2, epsilon);
        }

        public Adam(LearningRateSchedule schedule) {
            this(schedule, 0, 0.9, 0.999, 1e-7);
        }

        private Adam(LearningRateSchedule schedule, double learningRate, double beta1, double beta2, double epsilon) {
            super(schedule, learningRate);
            this.beta1 = beta1;
            this.beta2 = beta2;
            this.epsilon = epsilon;
        }

        public String name() {
            return "Adam";
        }

        protected Map<String, Object> config() {
            return ordered("beta_1", beta1, "beta_2", beta2, "epsilon", epsilon);
        }

        protected int slotsPerWeight() {
            return 2;
        }

        protected void update(Variable w, Tensor g, List<Variable> slots, Tensor step, Tensor lr) {
            w.assignSub(delta(g, slots, step, lr));
        }

        /** Updates the moments and returns the amount to subtract from the weight. */
        Tensor delta(Tensor g, List<Variable> slots, Tensor step, Tensor lr) {
            Tensor t = step.cast(g.dtype());
            Tensor b1t = Jf.pow(Jf.fill(g.dtype(), beta1), t);
            Tensor b2t = Jf.pow(Jf.fill(g.dtype(), beta2), t);
            Tensor corrected = Jf.sqrt(Jf.onesLike(b2t).sub(b2t)).div(Jf.onesLike(b1t).sub(b1t)).mul(lr);
            Tensor m = slots.get(0).mul(beta1).add(g.mul(1 - beta1));
            Tensor v = slots.get(1).mul(beta2).add(g.square().mul(1 - beta2));
            slots.get(0).assign(m);
            slots.get(1).assign(v);
            return m.mul(corrected).div(v.sqrt().add(epsilon));
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
            this(null, learningRate, rho, epsilon);
        }

        public Adadelta(LearningRateSchedule schedule) {
            this(schedule, 0, 0.95, 1e-7);
        }

        private Adadelta(LearningRateSchedule schedule, double learningRate, double rho, double epsilon) {
            super(schedule, learningRate);
            this.rho = rho;
            this.epsilon = epsilon;
        }

        public String name() {
            return "Adadelta";
        }

        protected Map<String, Object> config() {
            return ordered("rho", rho, "epsilon", epsilon);
        }

        protected int slotsPerWeight() {
            return 2;
        }

        protected void update(Variable w, Tensor g, List<Variable> slots, Tensor step, Tensor lr) {
            Tensor accumulated = slots.get(0).mul(rho).add(g.square().mul(1 - rho));
            Tensor u = Jf.sqrt(slots.get(1).add(epsilon)).div(Jf.sqrt(accumulated.add(epsilon))).mul(g);
            slots.get(0).assign(accumulated);
            slots.get(1).assign(slots.get(1).mul(rho).add(u.square().mul(1 - rho)));
            w.assignSub(u.mul(lr));
        }
    }

    /** Adagrad: a += g^2; w -= lr g / (sqrt(a) + epsilon), the accumulator starting at 0.1. */
    public static final class Adagrad extends Optimizer {
        private final double initialAccumulator;
        private final double epsilon;

        public Adagrad(double learningRate) {
            this(learningRate, 0.1, 1e-7);
        }

        public Adagrad(double learningRate, double initialAccumulator, double epsilon) {
            super(null, learningRate);
            this.initialAccumulator = initialAccumulator;
            this.epsilon = epsilon;
        }

        public String name() {
            return "Adagrad";
        }

        protected Map<String, Object> config() {
            return ordered("initial_accumulator_value", initialAccumulator, "epsilon", epsilon);
        }

        protected int slotsPerWeight() {
            return 1;
        }

        protected double slotInitialValue(int slot) {
            return initialAccumulator;
        }

        protected void update(Variable w, Tensor g, List<Variable> slots, Tensor step, Tensor lr) {
            Tensor accumulated = slots.get(0).add(g.square());
            slots.get(0).assign(accumulated);
            w.assignSub(g.mul(lr).div(accumulated.sqrt().add(epsilon)));
        }
    }

    /** Adamax: m = b1 m + (1 - b1) g; u = max(b2 u, |g|); w -= lr / (1 - b1^t) m / (u + epsilon). */
    public static final class Adamax extends Optimizer {
        private final double beta1;
        private final double beta2;
        private final double epsilon;

        public Adamax(double learningRate) {
            this(learningRate, 0.9, 0.999, 1e-7);
        }

        public Adamax(double learningRate, double beta1, double beta2, double epsilon) {
            super(null, learningRate);
            this.beta1 = beta1;
            this.beta2 = beta2;
            this.epsilon = epsilon;
        }

        public String name() {
            return "Adamax";
        }

        protected Map<String, Object> config() {
            return ordered("beta_1", beta1, "beta_2", beta2, "epsilon", epsilon);
        }

        protected int slotsPerWeight() {
            return 2;
        }

        protected void update(Variable w, Tensor g, List<Variable> slots, Tensor step, Tensor lr) {
            Tensor b1t = Jf.pow(Jf.fill(g.dtype(), beta1), step.cast(g.dtype()));
            Tensor m = slots.get(0).mul(beta1).add(g.mul(1 - beta1));
            Tensor u = Jf.maximum(slots.get(1).mul(beta2), Jf.abs(g));
            slots.get(0).assign(m);
            slots.get(1).assign(u);
            w.assignSub(lr.div(Jf.onesLike(b1t).sub(b1t)).mul(m).div(u.add(epsilon)));
        }
    }

    /**
     * Nadam, as Keras's: Adam with Nesterov momentum whose coefficient follows the schedule
     * u_t = b1 (1 - 0.5 * 0.96^(0.004 t)); each weight's third slot holds the product of the u_t so far.
     */
    public static final class Nadam extends Optimizer {
        private final double beta1;
        private final double beta2;
        private final double epsilon;

        public Nadam(double learningRate) {
            this(learningRate, 0.9, 0.999, 1e-7);
        }

        public Nadam(double learningRate, double beta1, double beta2, double epsilon) {
            super(null, learningRate);
            this.beta1 = beta1;
            this.beta2 = beta2;
            this.epsilon = epsilon;
        }

        public String name() {
            return "Nadam";
        }

        protected Map<String, Object> config() {
            return ordered("beta_1", beta1, "beta_2", beta2, "epsilon", epsilon);
        }

        protected int slotsPerWeight() {
            return 3;
        }

        protected double slotInitialValue(int slot) {
            return slot == 2 ? 1 : 0;
        }

        private Tensor momentumAt(Tensor t) {
            return Jf.pow(Jf.fill(t.dtype(), 0.96), t.mul(0.004)).mul(-0.5).add(1.0).mul(beta1);
        }

        protected void update(Variable w, Tensor g, List<Variable> slots, Tensor step, Tensor lr) {
            Tensor t = step.cast(g.dtype());
            Tensor ut = momentumAt(t);
            Tensor utNext = momentumAt(t.add(1.0));
            Tensor product = slots.get(2).mul(ut);
            Tensor productNext = product.mul(utNext);
            Tensor b2t = Jf.pow(Jf.fill(g.dtype(), beta2), t);
            Tensor m = slots.get(0).mul(beta1).add(g.mul(1 - beta1));
            Tensor v = slots.get(1).mul(beta2).add(g.square().mul(1 - beta2));
            slots.get(0).assign(m);
            slots.get(1).assign(v);
            slots.get(2).assign(product);
            Tensor one = Jf.onesLike(product);
            Tensor mHat = utNext.mul(m).div(one.sub(productNext)).add(one.sub(ut).mul(g).div(one.sub(product)));
            Tensor vHat = v.div(one.sub(b2t));
            w.assignSub(mHat.mul(lr).div(vHat.sqrt().add(epsilon)));
        }
    }

    /** AdamW: Adam with decoupled weight decay, w -= lr * weightDecay * w before Adam's update. */
    public static final class AdamW extends Optimizer {
        private final Adam adam;
        private final double weightDecay;

        public AdamW(double learningRate, double weightDecay) {
            this(learningRate, weightDecay, 0.9, 0.999, 1e-7);
        }

        public AdamW(double learningRate, double weightDecay, double beta1, double beta2, double epsilon) {
            super(null, learningRate);
            this.adam = new Adam(learningRate, beta1, beta2, epsilon);
            this.weightDecay = weightDecay;
        }

        public String name() {
            return "AdamW";
        }

        protected Map<String, Object> config() {
            Map<String, Object> config = new java.util.LinkedHashMap<>(adam.config());
            config.put("weight_decay", weightDecay);
            return config;
        }

        protected int slotsPerWeight() {
            return adam.slotsPerWeight();
        }

        protected void update(Variable w, Tensor g, List<Variable> slots, Tensor step, Tensor lr) {
            // One assignment: in a traced step assignments take effect together, when the step returns.
            w.assign(w.sub(w.mul(lr.mul(weightDecay))).sub(adam.delta(g, slots, step, lr)));
        }
    }
}
