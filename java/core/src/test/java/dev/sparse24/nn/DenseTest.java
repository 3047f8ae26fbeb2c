package dev.sparse24.nn;

import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DenseTest {

    record Case(int n, int in, int units, Activation activation, boolean bias) {
        /** y[s,u] = act(b[u] + sum_i x[s,i] k[i,u]) in double. */
        double[] reference(double[] x, double[][] params) {
            double[] k = params[0];
            double[] y = new double[n * units];
            for (int s = 0; s < n; s++) {
                for (int u = 0; u < units; u++) {
                    double sum = bias ? params[1][u] : 0;
                    for (int i = 0; i < in; i++) {
                        sum += x[s * in + i] * k[i * units + u];
                    }
                    y[s * units + u] = activation == Activation.RELU ? Math.max(sum, 0) : sum;
                }
            }
            return y;
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                new Case(1, 5, 3, Activation.NONE, true),
                new Case(3, 7, 4, Activation.RELU, true),
                new Case(2, 1, 5, Activation.RELU, false),
                new Case(3, 9, 1, Activation.NONE, false)
        ).map(Arguments::of);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void forwardAndGradientsMatchReference(Case k) {
        Random rng = new Random(k.hashCode());
        Dense dense = new Dense(k.units, k.activation, k.bias);
        assertEquals(Shape.of(k.units), dense.build(Shape.of(k.in), new Random(9)));
        GradientCheck.randomizeTrainable(dense, rng, -1, 1);
        Tensor x = Tensor.of(GradientCheck.uniform(rng, k.n * k.in, -1, 1), k.n, k.in);
        GradientCheck.check(dense, x, k::reference, true, rng, Integer.MAX_VALUE);
        // A second backward on the same batch overwrites the gradients instead of adding to them.
        GradientCheck.check(dense, x, k::reference, true, rng, Integer.MAX_VALUE);
    }

    @Test
    void largeBatchCrossesChunksAndFolds() {
        // 100,000 x 3 outputs: 37 chunks of 8,190 floats.
        Case k = new Case(100_000, 4, 3, Activation.RELU, true);
        Random rng = new Random(12);
        Dense dense = new Dense(k.units, k.activation, k.bias);
        dense.build(Shape.of(k.in), rng);
        GradientCheck.randomizeTrainable(dense, rng, -1, 1);
        Tensor x = Tensor.of(GradientCheck.uniform(rng, k.n * k.in, -1, 1), k.n, k.in);
        GradientCheck.check(dense, x, k::reference, true, rng, 20);
    }

    @Test
    void withoutInputGradient() {
        Case k = new Case(2, 6, 3, Activation.RELU, true);
        Random rng = new Random(4);
        Dense dense = new Dense(k.units, k.activation, k.bias);
        dense.build(Shape.of(k.in), rng);
        dense.setPropagateInputGradient(false);
        GradientCheck.randomizeTrainable(dense, rng, -1, 1);
        Tensor x = Tensor.of(GradientCheck.uniform(rng, k.n * k.in, -1, 1), k.n, k.in);
        assertNull(GradientCheck.check(dense, x, k::reference, true, rng, Integer.MAX_VALUE));
    }

    @Test
    void handComputedForward() {
        Dense dense = new Dense(2, Activation.RELU);
        dense.build(Shape.of(3), new Random(1));
        dense.kernel().value().copyFrom(new float[] {1, -1, 2, 0, -3, 1});  // [in=3, out=2]
        dense.bias().value().copyFrom(new float[] {0.5f, -0.5f});
        Tensor y = dense.forward(Tensor.of(new float[] {1, 2, 3}, 1, 3), false);
        // unit 0: 1*1 + 2*2 + 3*(-3) + 0.5 = -3.5 -> 0; unit 1: -1 + 0 + 3 - 0.5 = 1.5
        assertArrayEquals(new float[] {0f, 1.5f}, y.toArray());
    }

    @Test
    void glorotUniformKernel() {
        Dense dense = new Dense(1024, Activation.RELU);
        dense.build(Shape.of(300), new Random(8));
        double limit = Math.sqrt(6.0 / (300 + 1024));
        float max = 0;
        for (float v : dense.kernel().value().toArray()) {
            max = Math.max(max, Math.abs(v));
        }
        assertTrue(max <= limit && max > 0.999 * limit, "max |w| " + max + " vs limit " + limit);
        assertArrayEquals(new float[1024], dense.bias().value().toArray());
        assertEquals(List.of(dense.kernel(), dense.bias()), dense.parameters());
        assertEquals(300, dense.inputChannels());
        assertEquals(1024, dense.outputChannels());
        assertArrayEquals(new int[] {1, 1}, dense.kernelSize());
    }

    @Test
    void rejectsImageInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Dense(10).build(Shape.of(7, 7, 64), new Random(1)));
        assertTrue(e.getMessage().contains("(7, 7, 64)") && e.getMessage().contains("Flatten"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Dense(0));
    }
}
