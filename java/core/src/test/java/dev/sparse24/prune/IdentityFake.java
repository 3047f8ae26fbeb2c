package dev.sparse24.prune;

import dev.sparse24.nn.Layer;
import dev.sparse24.nn.Parameter;
import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;

import java.util.List;
import java.util.Random;

/** Test stand-in for a layer without a kernel (ReLU, Flatten...): passes its input through. */
final class IdentityFake extends Layer {
    IdentityFake() {
        super(null);
    }

    @Override
    public String typeName() {
        return "ReLU";
    }

    @Override
    protected Shape doBuild(Shape inputShape, Random rng) {
        return inputShape;
    }

    @Override
    public Tensor forward(Tensor input, boolean training) {
        return input;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        return gradOutput;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of();
    }
}
