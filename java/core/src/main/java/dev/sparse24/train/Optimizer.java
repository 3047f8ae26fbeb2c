package dev.sparse24.train;

import dev.sparse24.nn.Parameter;

import java.util.List;

/** Updates trainable parameters from their gradients, once per training batch. */
public interface Optimizer {
    /** Applies one update to every trainable parameter in {@code params}. */
    void step(List<Parameter> params);

    /** Number of updates applied so far (Keras's {@code iterations}). */
    long iterations();
}
