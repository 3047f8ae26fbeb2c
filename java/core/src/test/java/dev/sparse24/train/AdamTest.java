package dev.sparse24.train;

import dev.sparse24.nn.Parameter;
import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AdamTest {
    /** Adam from the paper with Keras's epsilon placement, in double, written independently. */
    private static double[] referenceAdam(double[] w0, double[][] grads, double lr, double b1, double b2, double eps) {
        double[] w = w0.clone();
        double[] m = new double[w.length];
        double[] v = new double[w.length];
        for (int t = 1; t <= grads.length; t++) {
            double[] g = grads[t - 1];
            for (int i = 0; i < w.length; i++) {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                double mHat = m[i] / (1 - Math.pow(b1, t));
                double vHat = v[i] / (1 - Math.pow(b2, t));
                // Keras adds epsilon to the uncorrected sqrt(v); on the corrected sqrt(vHat)
                // that is an epsilon of eps / sqrt(1 - b2^t).
                w[i] -= lr * mHat / (Math.sqrt(vHat) + eps / Math.sqrt(1 - Math.pow(b2, t)));
            }
        }
        return w;
    }

    @Test
    void matchesReferenceOverManySteps() {
        Random r = new Random(1);
        int n = 37;
        double[] w0 = new double[n];
        for (int i = 0; i < n; i++) {
            w0[i] = r.nextGaussian();
        }
        double[][] grads = new double[25][n];
        for (double[] g : grads) {
            for (int i = 0; i < n; i++) {
                g[i] = r.nextGaussian() * (i % 3 == 0 ? 1e-4 : 1.0);
            }
        }
        float[] init = new float[n];
        for (int i = 0; i < n; i++) {
            init[i] = (float) w0[i];
        }
        Parameter p = new Parameter("w", Tensor.of(init, n), true);
        Adam adam = new Adam();
        for (double[] g : grads) {
            for (int i = 0; i < n; i++) {
                p.grad().set(i, (float) g[i]);
            }
            adam.step(List.of(p));
        }
        double[] expected = referenceAdam(w0, grads, 1e-3, 0.9, 0.999, 1e-7);
        for (int i = 0; i < n; i++) {
            assertEquals(expected[i], p.value().get(i), 1e-5, "element " + i);
        }
        assertEquals(25, adam.iterations());
    }

    @Test
    void firstStepMovesEachWeightByLearningRate() {
        // With m = (1-b1) g and v = (1-b2) g^2 the first update is lr * sign(g) (epsilon aside).
        Parameter p = new Parameter("w", Tensor.of(new float[]{1f, 1f, 1f}, 3), true);
        p.grad().copyFrom(new float[]{0.5f, -2f, 3e-3f});
        new Adam(0.01f).step(List.of(p));
        assertEquals(0.99f, p.value().get(0), 1e-6);
        assertEquals(1.01f, p.value().get(1), 1e-6);
        assertEquals(0.99f, p.value().get(2), 3e-5);
    }

    @Test
    void skipsNonTrainableAndRejectsBadSettings() {
        Parameter frozen = new Parameter("m", Tensor.of(new float[]{2f}, 1), false);
        new Adam().step(List.of(frozen));
        assertEquals(2f, frozen.value().get(0));
        assertThrows(IllegalArgumentException.class, () -> new Adam(-1f));
        assertThrows(IllegalArgumentException.class, () -> new Adam(1e-3f, 1.0, 0.999, 1e-7f));
        assertThrows(IllegalArgumentException.class, () -> new Adam(1e-3f, 0.9, 0.999, 0f));
    }

    @Test
    void sgdWithAndWithoutMomentum() {
        Parameter p = new Parameter("w", Tensor.of(new float[]{1f}, 1), true);
        Sgd plain = new Sgd(0.1f, 0f);
        p.grad().set(0, 2f);
        plain.step(List.of(p));
        assertEquals(0.8f, p.value().get(0), 1e-7);

        Parameter q = new Parameter("w", Tensor.of(new float[]{1f}, 1), true);
        Sgd heavy = new Sgd(0.1f, 0.9f);
        q.grad().set(0, 1f);
        heavy.step(List.of(q)); // v = -0.1, w = 0.9
        heavy.step(List.of(q)); // v = -0.09 - 0.1 = -0.19, w = 0.71
        assertEquals(0.71f, q.value().get(0), 1e-6);
        assertThrows(IllegalArgumentException.class, () -> new Sgd(0.1f, 1f));
    }
}
