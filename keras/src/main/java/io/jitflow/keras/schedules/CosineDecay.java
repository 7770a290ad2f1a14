package io.jitflow.keras.schedules;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.keras.LearningRateSchedule;

/**
 * Cosine decay with an optional linear warmup, as Keras's: over the first {@code warmupSteps} the
 * rate rises linearly from {@code initial} to {@code warmupTarget}; then, over {@code decaySteps},
 * it falls along half a cosine from there to {@code alpha} times it, and stays there.
 */
public record CosineDecay(double initial, long decaySteps, double alpha, double warmupTarget, long warmupSteps)
        implements LearningRateSchedule {
    public CosineDecay {
        Checks.positive("CosineDecay", "decaySteps", decaySteps);
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("CosineDecay: warmupSteps must be >= 0, got " + warmupSteps);
        }
    }

    /** No warmup: from {@code initial} down to {@code alpha * initial} over {@code decaySteps}. */
    public CosineDecay(double initial, long decaySteps, double alpha) {
        this(initial, decaySteps, alpha, initial, 0);
    }

    @Override
    public Tensor rate(Tensor step) {
        Tensor sinceWarmup = Jf.maximum(step.sub(warmupSteps), Jf.constant(0.0));
        Tensor done = Jf.minimum(sinceWarmup, Jf.constant((double) decaySteps)).div(decaySteps);
        Tensor cosine = Jf.cos(done.mul(Math.PI)).add(1.0).mul(0.5);
        Tensor decayed = cosine.mul(1 - alpha).add(alpha).mul(warmupTarget);
        if (warmupSteps == 0) {
            return decayed;
        }
        Tensor warming = step.div(warmupSteps).mul(warmupTarget - initial).add(initial);
        return Jf.where(Jf.less(step, Jf.constant((double) warmupSteps)), warming, decayed);
    }
}
