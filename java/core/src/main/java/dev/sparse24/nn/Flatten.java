package dev.sparse24.nn;

import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;

import java.util.List;
import java.util.Random;

/**
 * Flattens each sample to rank 1 (Keras's {@code Flatten}): NHWC {@code [N, H, W, C]} becomes
 * {@code [N, H*W*C]} in row-major order. Forward and backward are views: nothing is copied.
 */
public final class Flatten extends Layer {
    private Shape lastInputShape;

    /** A flatten layer; Sequential names it ({@code flatten}, ...). */
    public Flatten() {
        super(null);
    }

    /** Sets the layer's name (instead of the one Sequential would assign) and returns this layer. */
    public Flatten named(String name) {
        setName(name);
        return this;
    }

    @Override
    public String typeName() {
        return "Flatten";
    }

    @Override
    protected Shape doBuild(Shape inputShape, Random rng) {
        lastInputShape = null;
        return Shape.of(inputShape.size());
    }

    @Override
    public Tensor forward(Tensor input, boolean training) {
        checkInput(input);
        lastInputShape = input.shape();
        return input.reshape(lastInputShape.dim(0), outputShape().dim(0));
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        if (lastInputShape == null) {
            throw new IllegalStateException("Flatten " + name() + ": backward before forward");
        }
        if (gradOutput.size() != lastInputShape.size()) {
            throw new IllegalArgumentException("gradient of the output must have shape ("
                    + lastInputShape.dim(0) + ", " + outputShape().dim(0) + "), given " + gradOutput.shape());
        }
        return propagateInputGradient ? gradOutput.reshape(lastInputShape) : null;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of();
    }
}
