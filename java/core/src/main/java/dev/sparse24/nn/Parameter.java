package dev.sparse24.nn;

import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;

/**
 * A named weight of a layer: its value and, when trainable, its gradient.
 *
 * <p>Non-trainable parameters (BatchNormalization's moving statistics, a pruning wrapper's
 * mask, threshold and step) have no gradient but count in {@link Sequential#summary()} as
 * Keras counts them.
 */
public final class Parameter {
    private final String name;
    private final Tensor value;
    private final Tensor grad;
    private final boolean trainable;

    /** A parameter with the given value; a gradient buffer is made when {@code trainable}. */
    public Parameter(String name, Tensor value, boolean trainable) {
        this.name = name;
        this.value = value;
        this.trainable = trainable;
        this.grad = trainable ? Tensor.zeros(value.shape()) : null;
    }

    /** Name, e.g. {@code kernel}, {@code bias}, {@code moving_mean}. */
    public String name() {
        return name;
    }

    /** The value (modified in place by optimizers and pruning). */
    public Tensor value() {
        return value;
    }

    /** The gradient accumulated by the last backward pass; null when not trainable. */
    public Tensor grad() {
        return grad;
    }

    /** Whether optimizers update this parameter. */
    public boolean trainable() {
        return trainable;
    }

    /** Shape of the value. */
    public Shape shape() {
        return value.shape();
    }

    /** Number of scalars. */
    public int size() {
        return value.size();
    }

    @Override
    public String toString() {
        return name + value.shape() + (trainable ? "" : " (non-trainable)");
    }
}
