package dev.sparse24.train;

import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SparseCategoricalCrossentropyTest {
    @Test
    void handComputedLossOfUniformLogitsIsLogClasses() {
        Tensor z = Tensor.zeros(2, 4);
        double l = new SparseCategoricalCrossentropy(true).compute(z, new int[]{0, 3}, 0, null);
        assertEquals(Math.log(4), l, 1e-9);
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        Random r = new Random(7);
        int batch = 3;
        int classes = 5;
        float[] logits = new float[batch * classes];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (r.nextGaussian() * 3);
        }
        int[] labels = {4, 0, 2};
        SparseCategoricalCrossentropy loss = new SparseCategoricalCrossentropy(true);
        Tensor grad = Tensor.zeros(batch, classes);
        loss.compute(Tensor.of(logits, batch, classes), labels, 0, grad);
        for (int i = 0; i < logits.length; i++) {
            double h = 1e-3;
            double[] plus = toDouble(logits);
            double[] minus = toDouble(logits);
            plus[i] += h;
            minus[i] -= h;
            double fd = (reference(plus, labels, classes) - reference(minus, labels, classes)) / (2 * h);
            assertEquals(fd, grad.get(i), 1e-5, "logit " + i);
        }
    }

    /** Mean cross-entropy in double, straight from the definition -log(softmax(z)[label]). */
    private static double reference(double[] z, int[] labels, int classes) {
        double total = 0;
        int batch = labels.length;
        for (int b = 0; b < batch; b++) {
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp(z[b * classes + c]);
            }
            total += -Math.log(Math.exp(z[b * classes + labels[b]]) / sum);
        }
        return total / batch;
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    @Test
    void largeLogitsStayFinite() {
        Tensor z = Tensor.of(new float[]{1000f, -1000f, 0f}, 1, 3);
        double l = new SparseCategoricalCrossentropy(true).compute(z, new int[]{1}, 0, null);
        assertEquals(2000.0, l, 1e-6);
        assertTrue(Double.isFinite(l));
    }

    @Test
    void probabilitiesAreClipped() {
        Tensor p = Tensor.of(new float[]{0f, 1f}, 1, 2);
        double l = new SparseCategoricalCrossentropy(false).compute(p, new int[]{0}, 0, null);
        assertEquals(-Math.log(1e-7), l, 1e-9);
    }

    @Test
    void badLabelsAndShapesAreRefused() {
        SparseCategoricalCrossentropy loss = new SparseCategoricalCrossentropy(true);
        assertThrows(IllegalArgumentException.class,
                () -> loss.compute(Tensor.zeros(1, 3), new int[]{3}, 0, null));
        assertThrows(IllegalArgumentException.class,
                () -> loss.compute(Tensor.zeros(2, 3), new int[]{0}, 0, null));
        assertThrows(IllegalArgumentException.class,
                () -> loss.compute(Tensor.zeros(6), new int[]{0}, 0, null));
    }

    @Test
    void countCorrectUsesFirstMaximum() {
        Tensor z = Tensor.of(new float[]{1f, 1f, 0f, 0f, 0f, 2f}, 2, 3);
        assertEquals(2, SparseCategoricalCrossentropy.countCorrect(z, new int[]{0, 2}, 0));
        assertEquals(0, SparseCategoricalCrossentropy.countCorrect(z, new int[]{1, 0}, 0));
    }
}
