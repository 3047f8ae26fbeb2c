package dev.sparse24.nn;

import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;

import java.util.List;
import java.util.Random;

/**
 * A layer: forward, backward and parameters, side by side.
 *
 * <p>Life cycle: {@link #build} once with the per-sample input shape (no batch dimension) and a
 * seeded random source for initialisation; then any number of {@link #forward} /
 * {@link #backward} pairs on batched tensors (dim 0 = batch). {@code backward} must follow the
 * {@code forward} whose activations it uses; it accumulates nothing: each call overwrites the
 * parameter gradients with those of the current batch and returns the gradient with respect
 * to the input (or null when {@link #propagateInputGradient} is off, e.g. for the first layer).
 *
 * <p>Layers may reuse their output and work buffers between calls of the same batch size: the
 * tensor returned by {@code forward} or {@code backward} is valid until the next call.
 */
public abstract class Layer {
    private String name;
    private Shape inputShape;
    private Shape outputShape;
    protected boolean propagateInputGradient = true;

    protected Layer(String name) {
        this.name = name;
    }

    /** The layer's name, unique within a model (e.g. {@code conv2d_1}). */
    public String name() {
        return name;
    }

    /** Renames the layer (Sequential assigns Keras-style unique names to unnamed layers). */
    public void setName(String name) {
        this.name = name;
    }

    /** Keras class name shown by summary(), e.g. {@code Conv2D}. */
    public abstract String typeName();

    /**
     * Creates parameters for the given per-sample input shape and returns the per-sample
     * output shape.
     *
     * @throws IllegalArgumentException when the input shape does not suit the layer
     */
    public final Shape build(Shape inputShape, Random rng) {
        this.inputShape = inputShape;
        this.outputShape = doBuild(inputShape, rng);
        return outputShape;
    }

    /** Subclass part of {@link #build}. */
    protected abstract Shape doBuild(Shape inputShape, Random rng);

    /** Whether {@link #build} has run. */
    public boolean isBuilt() {
        return outputShape != null;
    }

    /** Per-sample input shape (after build). */
    public Shape inputShape() {
        return inputShape;
    }

    /** Per-sample output shape (after build). */
    public Shape outputShape() {
        return outputShape;
    }

    /** Forward pass on a batch [N, ...inputShape]. {@code training} selects Dropout/BN mode. */
    public abstract Tensor forward(Tensor input, boolean training);

    /** Backward pass for the last training forward; see the class comment. */
    public abstract Tensor backward(Tensor gradOutput);

    /** All parameters in Keras order (trainable and non-trainable). Empty for none. */
    public abstract List<Parameter> parameters();

    /** Turns off computing the input gradient (saves work for the first layer). */
    public void setPropagateInputGradient(boolean on) {
        this.propagateInputGradient = on;
    }

    /** Checks that a batched input matches the built per-sample shape. */
    protected final void checkInput(Tensor input) {
        if (inputShape == null) {
            throw new IllegalStateException("layer " + name + " is not built");
        }
        Shape s = input.shape();
        if (s.rank() != inputShape.rank() + 1 || !s.dropFirst().equals(inputShape)) {
            throw new IllegalArgumentException("layer " + name + " expects input (batch, "
                    + inputShape.toString().substring(1) + ", given " + s);
        }
    }
}
