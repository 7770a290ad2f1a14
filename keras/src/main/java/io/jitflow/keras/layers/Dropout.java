package io.jitflow.keras.layers;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.Shape;
import java.util.Map;

/**
 * While training, zeroes each input with probability {@code rate} and scales the rest by
 * 1 / (1 - rate); at inference, passes inputs through. The noise is drawn per element of
 * {@link #noiseShape}, and broadcast over the input.
 */
public class Dropout extends Layer {
    private final double rate;

    public Dropout(double rate) {
        this("dropout", rate);
    }

    Dropout(String baseName, double rate) {
        super(baseName);
        if (rate < 0 || rate >= 1) {
            throw new IllegalArgumentException("Dropout needs 0 <= rate < 1, got " + rate);
        }
        this.rate = rate;
    }

    public double rate() {
        return rate;
    }

    /** The shape of the noise for {@code input}: one draw per element. */
    public Shape noiseShape(Shape input) {
        return input;
    }

    @Override
    protected Shape create(Shape input) {
        return input;
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        Tensor noise = context.noise().get(this);
        if (!context.training() || noise == null || rate == 0) {
            return x;
        }
        Tensor keep = Jf.greaterEqual(noise, Jf.constant((float) rate)).cast(x.dtype());
        return x.mul(keep).div(1 - rate);
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("rate", rate);
    }
}
