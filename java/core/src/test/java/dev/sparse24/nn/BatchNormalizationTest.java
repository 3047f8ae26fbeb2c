package dev.sparse24.nn;

import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchNormalizationTest {
    private static final double EPSILON = 1e-3;

    /** Training mode in double: per-channel batch mean and biased variance over all other axes. */
    static double[] trainingReference(double[] x, double[][] p, int channels) {
        double[] gamma = p[0];
        double[] beta = p[1];
        int rows = x.length / channels;
        double[] y = new double[x.length];
        for (int c = 0; c < channels; c++) {
            double mean = 0;
            for (int r = 0; r < rows; r++) {
                mean += x[r * channels + c];
            }
            mean /= rows;
            double var = 0;
            for (int r = 0; r < rows; r++) {
                double d = x[r * channels + c] - mean;
                var += d * d;
            }
            var /= rows;
            for (int r = 0; r < rows; r++) {
                int i = r * channels + c;
                y[i] = gamma[c] * (x[i] - mean) / Math.sqrt(var + EPSILON) + beta[c];
            }
        }
        return y;
    }

    /** Inference mode in double: the moving statistics (params 2 and 3) replace the batch ones. */
    static double[] inferenceReference(double[] x, double[][] p, int channels) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            int c = i % channels;
            y[i] = p[0][c] * (x[i] - p[2][c]) / Math.sqrt(p[3][c] + EPSILON) + p[1][c];
        }
        return y;
    }

    private static Tensor offsetInput(Random rng, int... dims) {
        int n = Shape.of(dims).size();
        float[] v = GradientCheck.uniform(rng, n, -1, 1);
        for (int i = 0; i < n; i++) {
            v[i] = 2 + 3 * v[i];   // mean 2, spread 3: the statistics are far from 0 and 1
        }
        return Tensor.of(v, dims);
    }

    @Test
    void trainingGradientsGoThroughBatchStatisticsOnImages() {
        Random rng = new Random(21);
        BatchNormalization bn = new BatchNormalization();
        assertEquals(Shape.of(5, 5, 3), bn.build(Shape.of(5, 5, 3), rng));
        GradientCheck.randomizeTrainable(bn, rng, -1.5, 1.5);
        Tensor x = offsetInput(rng, 3, 5, 5, 3);
        GradientCheck.check(bn, x, (v, p) -> trainingReference(v, p, 3), true, rng, Integer.MAX_VALUE);
    }

    @Test
    void trainingGradientsOnFeatureVectors() {
        Random rng = new Random(22);
        BatchNormalization bn = new BatchNormalization();
        bn.build(Shape.of(5), rng);
        GradientCheck.randomizeTrainable(bn, rng, -1.5, 1.5);
        Tensor x = offsetInput(rng, 4, 5);
        GradientCheck.check(bn, x, (v, p) -> trainingReference(v, p, 5), true, rng, Integer.MAX_VALUE);
    }

    @Test
    void largeBatchCrossesChunksAndFolds() {
        // 300 * 30 * 30 * 3 = 810,000 values: about 99 chunks, several folds of partial sums.
        Random rng = new Random(24);
        BatchNormalization bn = new BatchNormalization();
        bn.build(Shape.of(30, 30, 3), rng);
        GradientCheck.randomizeTrainable(bn, rng, -1.5, 1.5);
        Tensor x = offsetInput(rng, 300, 30, 30, 3);
        GradientCheck.check(bn, x, (v, p) -> trainingReference(v, p, 3), true, rng, 10);
    }

    @Test
    void inferenceUsesMovingStatisticsAndTheirGradient() {
        Random rng = new Random(23);
        BatchNormalization bn = new BatchNormalization();
        bn.build(Shape.of(3, 3), rng);
        GradientCheck.randomizeTrainable(bn, rng, -1.5, 1.5);
        bn.parameters().get(2).value().copyFrom(new float[] {0.5f, -1f, 2f});
        bn.parameters().get(3).value().copyFrom(new float[] {0.25f, 4f, 1.5f});
        Tensor x = offsetInput(rng, 2, 3, 3);
        GradientCheck.check(bn, x, (v, p) -> inferenceReference(v, p, 3), false, rng, Integer.MAX_VALUE);
        // Inference leaves the moving statistics alone.
        assertArrayEquals(new float[] {0.5f, -1f, 2f}, bn.parameters().get(2).value().toArray());
        assertArrayEquals(new float[] {0.25f, 4f, 1.5f}, bn.parameters().get(3).value().toArray());
    }

    @Test
    void handComputedInference() {
        BatchNormalization bn = new BatchNormalization(0.9, 0.01);
        bn.build(Shape.of(1), new Random(1));
        bn.parameters().get(0).value().copyFrom(new float[] {2f});     // gamma
        bn.parameters().get(1).value().copyFrom(new float[] {1f});     // beta
        bn.parameters().get(2).value().copyFrom(new float[] {3f});     // moving mean
        bn.parameters().get(3).value().copyFrom(new float[] {0.24f});  // moving variance: sqrt(0.25) = 0.5
        Tensor y = bn.forward(Tensor.of(new float[] {4f, 2f}, 2, 1), false);
        // 2 * (4 - 3) / 0.5 + 1 = 5;  2 * (2 - 3) / 0.5 + 1 = -3
        assertArrayEquals(new float[] {5f, -3f}, y.toArray(), 1e-5f);
    }

    @Test
    void movingStatisticsUpdateWithBesselCorrectedVariance() {
        BatchNormalization bn = new BatchNormalization();
        bn.build(Shape.of(2), new Random(1));
        // Channel 0 sees 1, 2, 3, 4: mean 2.5, biased variance 1.25, unbiased 5/3.
        // Channel 1 sees 10, 10, 10, 14: mean 11, unbiased variance (1+1+1+9)/3 = 4.
        Tensor x = Tensor.of(new float[] {1, 10, 2, 10, 3, 10, 4, 14}, 4, 2);
        Tensor y = bn.forward(x, true);
        float[] mm = bn.parameters().get(2).value().toArray();
        float[] mv = bn.parameters().get(3).value().toArray();
        assertEquals(0.01 * 2.5, mm[0], 1e-6);
        assertEquals(0.01 * 11, mm[1], 1e-6);
        assertEquals(0.99 + 0.01 * 5.0 / 3.0, mv[0], 1e-6);
        assertEquals(0.99 + 0.01 * 4.0, mv[1], 1e-6);
        // Normalising uses the biased variance: (1 - 2.5) / sqrt(1.25 + 0.001).
        assertEquals(-1.5 / Math.sqrt(1.251), y.get(0), 1e-5);

        bn.forward(x, true);
        assertEquals(0.99 * 0.025 + 0.01 * 2.5, bn.parameters().get(2).value().get(0), 1e-6);
        assertEquals(0.99 * (0.99 + 0.01 * 5.0 / 3.0) + 0.01 * 5.0 / 3.0,
                bn.parameters().get(3).value().get(0), 1e-6);
    }

    @Test
    void kerasParametersAndDefaults() {
        BatchNormalization bn = new BatchNormalization();
        bn.build(Shape.of(4, 4, 64), new Random(1));
        List<Parameter> p = bn.parameters();
        assertEquals(List.of("gamma", "beta", "moving_mean", "moving_variance"),
                p.stream().map(Parameter::name).toList());
        assertTrue(p.get(0).trainable() && p.get(1).trainable());
        assertFalse(p.get(2).trainable() || p.get(3).trainable());
        assertNull(p.get(2).grad());
        float[] ones = new float[64];
        java.util.Arrays.fill(ones, 1f);
        assertArrayEquals(ones, p.get(0).value().toArray());
        assertArrayEquals(new float[64], p.get(1).value().toArray());
        assertArrayEquals(new float[64], p.get(2).value().toArray());
        assertArrayEquals(ones, p.get(3).value().toArray());
        assertEquals(0.99, bn.momentum());
        assertEquals(1e-3, bn.epsilon());
        assertThrows(IllegalArgumentException.class, () -> new BatchNormalization(1.5, 1e-3));
        assertThrows(IllegalArgumentException.class, () -> new BatchNormalization(0.9, 0));
    }
}
