package dev.sparse24.sparsify;

import dev.sparse24.graph.Padding;
import dev.sparse24.nn.Activation;
import dev.sparse24.nn.BatchNormalization;
import dev.sparse24.nn.Conv2D;
import dev.sparse24.nn.Dense;
import dev.sparse24.nn.Flatten;
import dev.sparse24.nn.MaxPooling2D;
import dev.sparse24.nn.Parameter;
import dev.sparse24.nn.ReLU;
import dev.sparse24.nn.Sequential;
import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;

import java.util.Random;

/** Small models and inputs for the sparsify tests. */
final class TinyModels {
    private TinyModels() {
    }

    /**
     * [6, 6, 1] -> Conv2D 8 3x3 RELU (1 input channel: stays dense) -> MaxPool 2 -> Conv2D 8 3x3
     * -> BatchNorm (random statistics) -> ReLU -> Flatten -> Dense 12 RELU -> Dense 5.
     */
    static Sequential convNet(long seed) {
        Sequential m = new Sequential("tiny",
                new Conv2D(8, 3, Padding.SAME, Activation.RELU),
                new MaxPooling2D(2, Padding.SAME),
                new Conv2D(8, 3, 2, Padding.VALID, Activation.NONE),
                new BatchNormalization(),
                new ReLU(),
                new Flatten(),
                new Dense(12, Activation.RELU),
                new Dense(5)).build(Shape.of(6, 6, 1), seed);
        Random r = new Random(seed);
        for (Parameter p : m.layers().get(3).parameters()) {
            float[] v = new float[p.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = p.name().contains("variance") ? 0.5f + r.nextFloat() : (float) r.nextGaussian() * 0.5f
                        + (p.name().equals("gamma") ? 1f : 0f);
            }
            p.value().copyFrom(v);
        }
        return m;
    }

    static Tensor input(Random r, int n, Shape sample) {
        float[] x = new float[n * sample.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        return Tensor.of(x, sample.withBatch(n).dims());
    }

    static float maxAbsDifference(Tensor a, Tensor b) {
        float[] x = a.toArray();
        float[] y = b.toArray();
        if (x.length != y.length) {
            throw new AssertionError("sizes " + x.length + " and " + y.length);
        }
        float m = 0;
        for (int i = 0; i < x.length; i++) {
            m = Math.max(m, Math.abs(x[i] - y[i]));
        }
        return m;
    }
}
