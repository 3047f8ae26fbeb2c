package dev.sparse24.nn;

import dev.sparse24.graph.Padding;
import dev.sparse24.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checks a layer against an independent double-precision reference: the forward output, and
 * every gradient of {@code L = sum(r .* y)} (random {@code r}) against central finite
 * differences of the reference, computed in double.
 */
final class GradientCheck {
    /** A layer's forward pass in double: output from the input and the parameter values (Keras order). */
    @FunctionalInterface
    interface Reference {
        double[] apply(double[] input, double[][] params);
    }

    /** Step of the central differences; the references are exact to ~1e-16, so a small step is safe. */
    static final double STEP = 1e-6;
    /** Relative tolerance for float32 outputs against the double reference. */
    static final double FORWARD_TOLERANCE = 1e-4;
    /** Relative tolerance for float32 analytic gradients against double finite differences. */
    static final double GRADIENT_TOLERANCE = 1e-3;

    private GradientCheck() {
    }

    /** {@code n} floats uniform in [lo, hi). */
    static float[] uniform(Random rng, int n, double lo, double hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        }
        return a;
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    static double dot(double[] a, double[] b) {
        assertEquals(a.length, b.length, "dot product lengths");
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** Sets every trainable parameter of {@code layer} to uniform values in [lo, hi). */
    static void randomizeTrainable(Layer layer, Random rng, double lo, double hi) {
        for (Parameter p : layer.parameters()) {
            if (p.trainable()) {
                p.value().copyFrom(uniform(rng, p.size(), lo, hi));
            }
        }
    }

    /** Central differences of {@code f} at {@code x} for coordinates {@code coords}; x is restored. */
    static double[] centralDifferences(ToDoubleFunction<double[]> f, double[] x, int[] coords) {
        double[] g = new double[coords.length];
        for (int i = 0; i < coords.length; i++) {
            int j = coords[i];
            double saved = x[j];
            x[j] = saved + STEP;
            double plus = f.applyAsDouble(x);
            x[j] = saved - STEP;
            double minus = f.applyAsDouble(x);
            x[j] = saved;
            g[i] = (plus - minus) / (2 * STEP);
        }
        return g;
    }

    /**
     * Asserts {@code |actual - expected| <= rtol * (|expected| + 0.1 * max|expected|)} element-wise:
     * relative, with a floor near zero where float rounding of large sums dominates.
     */
    static void assertClose(double[] expected, double[] actual, double rtol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double max = 0;
        for (double e : expected) {
            max = Math.max(max, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            double tol = rtol * (Math.abs(expected[i]) + 0.1 * max);
            if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
                fail(what + "[" + i + "]: expected " + expected[i] + ", got " + actual[i]
                        + " (tolerance " + tol + ", max |expected| " + max + ")");
            }
        }
    }

    static void assertClose(double[] expected, float[] actual, double rtol, String what) {
        assertClose(expected, toDouble(actual), rtol, what);
    }

    /** Up to {@code max} distinct coordinates of [0, n), all of them when n <= max. */
    static int[] coordinates(int n, int max, Random rng) {
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(i);
        }
        if (n > max) {
            Collections.shuffle(all, rng);
        }
        return all.subList(0, Math.min(n, max)).stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    private static double[] pick(float[] a, int[] coords) {
        double[] d = new double[coords.length];
        for (int i = 0; i < coords.length; i++) {
            d[i] = a[coords[i]];
        }
        return d;
    }

    /**
     * Runs forward (in the given mode) and backward on a built layer and compares output, input
     * gradient and every trainable parameter's gradient with the reference; finite differences
     * are taken at up to {@code maxCoords} coordinates per tensor.
     *
     * @return the analytic input gradient (null when the layer does not propagate it)
     */
    static float[] check(Layer layer, Tensor input, Reference reference, boolean training, Random rng,
                         int maxCoords) {
        List<Parameter> params = layer.parameters();
        double[][] p = new double[params.size()][];
        for (int i = 0; i < p.length; i++) {
            p[i] = toDouble(params.get(i).value().toArray());
        }
        double[] x = toDouble(input.toArray());

        double[] expectedY = reference.apply(x, p);
        Tensor y = layer.forward(input, training);
        assertEquals(input.shape().dim(0), y.shape().dim(0), "batch dimension of the output");
        assertEquals(layer.outputShape(), y.shape().dropFirst(), "per-sample output shape");
        assertClose(expectedY, y.toArray(), FORWARD_TOLERANCE, layer.typeName() + " forward");

        double[] r = toDouble(uniform(rng, expectedY.length, -1, 1));
        Tensor dx = layer.backward(Tensor.of(toFloat(r), y.shape().dims()));
        float[] dxValues = null;
        if (layer.propagateInputGradient) {
            assertNotNull(dx, "input gradient");
            assertEquals(input.shape(), dx.shape(), "input gradient shape");
            dxValues = dx.toArray();
            int[] coords = coordinates(x.length, maxCoords, rng);
            double[] fd = centralDifferences(v -> dot(r, reference.apply(v, p)), x, coords);
            assertClose(fd, pick(dxValues, coords), GRADIENT_TOLERANCE, layer.typeName() + " input gradient");
        } else {
            assertNull(dx, "no input gradient when propagation is off");
        }
        for (int i = 0; i < p.length; i++) {
            Parameter param = params.get(i);
            if (!param.trainable()) {
                continue;
            }
            int which = i;
            int[] coords = coordinates(p[i].length, maxCoords, rng);
            double[] fd = centralDifferences(v -> {
                double[][] q = p.clone();
                q[which] = v;
                return dot(r, reference.apply(x, q));
            }, p[i], coords);
            assertClose(fd, pick(param.grad().toArray(), coords), GRADIENT_TOLERANCE,
                    layer.typeName() + " " + param.name() + " gradient");
        }
        return dxValues;
    }

    static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }

    /** Keras/TF SAME output size, written out independently of {@link Padding}. */
    static int sameOutput(int in, int stride) {
        return (int) Math.ceil(in / (double) stride);
    }

    /** Keras/TF SAME padding before (top/left): half the total, rounded down. */
    static int samePadBefore(int in, int window, int stride) {
        int total = Math.max((sameOutput(in, stride) - 1) * stride + window - in, 0);
        return total / 2;
    }
}
