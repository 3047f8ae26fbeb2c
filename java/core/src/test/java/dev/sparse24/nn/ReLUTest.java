package dev.sparse24.nn;

import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ReLUTest {
    @Test
    void forwardAndGradientMatchReference() {
        Random rng = new Random(31);
        ReLU relu = new ReLU();
        assertEquals(Shape.of(5, 3, 3), relu.build(Shape.of(5, 3, 3), rng));
        Tensor x = Tensor.of(GradientCheck.uniform(rng, 2 * 45, -1, 1), 2, 5, 3, 3);
        GradientCheck.check(relu, x, ReLUTest::reference, true, rng, Integer.MAX_VALUE);
    }

    @Test
    void severalChunks() {
        Random rng = new Random(32);
        ReLU relu = new ReLU();
        relu.build(Shape.of(7001), rng);
        Tensor x = Tensor.of(GradientCheck.uniform(rng, 3 * 7001, -1, 1), 3, 7001);
        float[] dx = GradientCheck.check(relu, x, ReLUTest::reference, true, rng, 300);
        float[] xs = x.toArray();
        for (int i = 0; i < xs.length; i++) {
            assertEquals(xs[i] > 0 ? 1f : 0f, dx[i] == 0f ? 0f : 1f, "mask at " + i);
        }
    }

    private static double[] reference(double[] v, double[][] params) {
        double[] y = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            y[i] = v[i] > 0 ? v[i] : 0;
        }
        return y;
    }

    @Test
    void handComputed() {
        ReLU relu = new ReLU();
        relu.build(Shape.of(4), new Random(1));
        assertArrayEquals(new float[] {0, 0, 2, 0.5f}, relu.forward(Tensor.of(new float[] {-1, 0, 2, 0.5f}, 1, 4), true).toArray());
        // The derivative at exactly 0 is 0.
        assertArrayEquals(new float[] {0, 0, 3, 4}, relu.backward(Tensor.of(new float[] {1, 2, 3, 4}, 1, 4)).toArray());
        assertEquals("re_lu", Sequential.keras(relu.typeName()));
    }
}
