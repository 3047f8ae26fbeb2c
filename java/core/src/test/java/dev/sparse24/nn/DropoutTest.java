package dev.sparse24.nn;

import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DropoutTest {
    private static final int N = 20_000;

    private static Tensor positiveInput(long seed) {
        float[] v = GradientCheck.uniform(new Random(seed), 4 * N, 0.5, 1.5);
        return Tensor.of(v, 4, N);
    }

    @Test
    void trainingDropsAboutRateAndScalesSurvivors() {
        Dropout dropout = new Dropout(0.4);
        dropout.build(Shape.of(N), new Random(1));
        Tensor x = positiveInput(2);
        float[] in = x.toArray();
        float[] out = dropout.forward(x, true).toArray();
        int dropped = 0;
        for (int i = 0; i < in.length; i++) {
            if (out[i] == 0f) {
                dropped++;
            } else {
                assertEquals(in[i] / 0.6, out[i], 1e-6 * Math.abs(out[i]), "survivor " + i + " scaled by 1/(1-rate)");
            }
        }
        double fraction = dropped / (double) in.length;
        // 80,000 Bernoulli(0.4) draws: standard deviation 0.0017.
        assertEquals(0.4, fraction, 0.01);
    }

    @Test
    void backwardUsesTheSameMask() {
        Dropout dropout = new Dropout(0.25, 99);
        dropout.build(Shape.of(N), new Random(1));
        Tensor x = positiveInput(3);
        float[] out = dropout.forward(x, true).toArray();
        float[] dy = GradientCheck.uniform(new Random(4), 4 * N, -1, 1);
        float[] dx = dropout.backward(Tensor.of(dy, 4, N)).toArray();
        for (int i = 0; i < dy.length; i++) {
            float expected = out[i] == 0f ? 0f : (float) (dy[i] / 0.75);
            assertEquals(expected, dx[i], 1e-6, "element " + i);
        }
    }

    @Test
    void inferenceIsIdentity() {
        Dropout dropout = new Dropout(0.4);
        dropout.build(Shape.of(N), new Random(1));
        Tensor x = positiveInput(5);
        assertArrayEquals(x.toArray(), dropout.forward(x, false).toArray());
        float[] dy = GradientCheck.uniform(new Random(6), 4 * N, -1, 1);
        assertArrayEquals(dy, dropout.backward(Tensor.of(dy, 4, N)).toArray());
    }

    @Test
    void masksAreReproducible() {
        Tensor x = positiveInput(7);
        float[] a1 = masks(new Dropout(0.4, 5), new Random(1), x);
        float[] a2 = masks(new Dropout(0.4, 5), new Random(2), x);
        assertArrayEquals(a1, a2, "explicit seed: the build random source does not matter");
        float[] b1 = masks(new Dropout(0.4), new Random(8), x);
        float[] b2 = masks(new Dropout(0.4), new Random(8), x);
        assertArrayEquals(b1, b2, "same build seed, same masks");
        assertFalse(Arrays.equals(b1, masks(new Dropout(0.4), new Random(9), x)), "another seed, other masks");

        Dropout d = new Dropout(0.4, 5);
        d.build(Shape.of(N), new Random(1));
        float[] first = d.forward(x, true).toArray();
        float[] second = d.forward(x, true).toArray();
        assertFalse(Arrays.equals(first, second), "each training batch draws a new mask");
    }

    /** Two consecutive training outputs, concatenated. */
    private static float[] masks(Dropout d, Random rng, Tensor x) {
        d.build(Shape.of(N), rng);
        float[] first = d.forward(x, true).toArray();
        float[] second = d.forward(x, true).toArray();
        float[] both = Arrays.copyOf(first, first.length * 2);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    @Test
    void rejectsBadRates() {
        assertThrows(IllegalArgumentException.class, () -> new Dropout(1.0));
        assertThrows(IllegalArgumentException.class, () -> new Dropout(-0.1));
        Dropout none = new Dropout(0.0);
        none.build(Shape.of(3), new Random(1));
        Tensor x = Tensor.of(new float[] {1, 2, 3}, 1, 3);
        assertArrayEquals(x.toArray(), none.forward(x, true).toArray());
        assertTrue(none.parameters().isEmpty());
    }
}
