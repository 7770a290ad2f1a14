package io.jitflow.keras.layers;

import io.jitflow.Tensor;
import java.util.Map;

/**
 * What a layer's call may need besides its input: whether the model is training, and for each
 * dropout layer the uniform noise of this step (drawn outside the compiled step, so that every
 * step gets new noise from one traced graph).
 */
public record CallContext(boolean training, Map<Layer, Tensor> noise) {
    public static final CallContext INFERENCE = new CallContext(false, Map.of());
}
