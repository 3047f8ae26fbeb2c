package dev.sparse24.nn;

import dev.sparse24.tensor.Tensor;

import java.util.Random;

/** Keras's default kernel initializer: uniform in [-limit, limit], limit = sqrt(6 / (fanIn + fanOut)). */
final class GlorotUniform {
    private GlorotUniform() {
    }

    /** The bound of the uniform distribution. */
    static double limit(int fanIn, int fanOut) {
        return Math.sqrt(6.0 / (fanIn + fanOut));
    }

    /** Fills {@code kernel} in flat row-major order with draws from {@code rng}. */
    static void fill(Tensor kernel, int fanIn, int fanOut, Random rng) {
        double limit = limit(fanIn, fanOut);
        float[] values = new float[kernel.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((2 * rng.nextDouble() - 1) * limit);
        }
        kernel.copyFrom(values);
    }
}
