package dev.sparse24.nn;

import dev.sparse24.graph.Padding;
import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static dev.sparse24.nn.GradientCheck.samePadBefore;
import static dev.sparse24.nn.GradientCheck.sameOutput;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Conv2DTest {

    /** A convolution case: input [n, h, w, c], kernel kh x kw -> filters, strides, padding, activation, bias. */
    record Case(int n, int h, int w, int c, int filters, int kh, int kw, int sh, int sw, Padding padding,
                Activation activation, boolean bias) {
        Conv2D layer() {
            return new Conv2D(filters, kh, kw, sh, sw, padding, activation, bias);
        }

        int outH() {
            return padding == Padding.SAME ? sameOutput(h, sh) : (h - kh) / sh + 1;
        }

        int outW() {
            return padding == Padding.SAME ? sameOutput(w, sw) : (w - kw) / sw + 1;
        }

        int padTop() {
            return padding == Padding.SAME ? samePadBefore(h, kh, sh) : 0;
        }

        int padLeft() {
            return padding == Padding.SAME ? samePadBefore(w, kw, sw) : 0;
        }

        /** Direct convolution in double: y[s,oy,ox,f] = b[f] + sum x[s,iy,ix,ci] k[i,j,ci,f]. */
        double[] reference(double[] x, double[][] params) {
            double[] k = params[0];
            double[] b = bias ? params[1] : null;
            int oh = outH();
            int ow = outW();
            int top = padTop();
            int left = padLeft();
            double[] y = new double[n * oh * ow * filters];
            for (int s = 0; s < n; s++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        for (int f = 0; f < filters; f++) {
                            double sum = b != null ? b[f] : 0;
                            for (int i = 0; i < kh; i++) {
                                int iy = oy * sh - top + i;
                                if (iy < 0 || iy >= h) {
                                    continue;
                                }
                                for (int j = 0; j < kw; j++) {
                                    int ix = ox * sw - left + j;
                                    if (ix < 0 || ix >= w) {
                                        continue;
                                    }
                                    for (int ci = 0; ci < c; ci++) {
                                        sum += x[((s * h + iy) * w + ix) * c + ci]
                                                * k[((i * kw + j) * c + ci) * filters + f];
                                    }
                                }
                            }
                            if (activation == Activation.RELU) {
                                sum = Math.max(sum, 0);
                            }
                            y[((s * oh + oy) * ow + ox) * filters + f] = sum;
                        }
                    }
                }
            }
            return y;
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                new Case(2, 5, 7, 3, 4, 3, 3, 1, 1, Padding.SAME, Activation.NONE, true),
                new Case(3, 7, 5, 1, 2, 3, 2, 2, 2, Padding.SAME, Activation.RELU, true),
                new Case(1, 7, 7, 5, 3, 5, 5, 2, 1, Padding.VALID, Activation.RELU, false),
                // SAME with an odd total padding: the extra row/column goes at the bottom/right.
                new Case(2, 6, 5, 2, 3, 3, 3, 2, 2, Padding.SAME, Activation.RELU, true),
                new Case(1, 5, 5, 3, 2, 4, 4, 1, 1, Padding.SAME, Activation.NONE, true),
                new Case(2, 7, 6, 3, 5, 2, 3, 3, 2, Padding.VALID, Activation.NONE, true),
                // Pointwise: cols is the input itself.
                new Case(2, 5, 5, 3, 3, 1, 1, 1, 1, Padding.VALID, Activation.RELU, true),
                new Case(3, 5, 7, 3, 2, 1, 1, 2, 2, Padding.SAME, Activation.NONE, true)
        ).map(Arguments::of);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void forwardAndGradientsMatchDirectConvolution(Case k) {
        Random rng = new Random(k.hashCode());
        Conv2D conv = k.layer();
        Shape out = conv.build(Shape.of(k.h, k.w, k.c), new Random(7));
        assertEquals(Shape.of(k.outH(), k.outW(), k.filters), out);
        GradientCheck.randomizeTrainable(conv, rng, -0.5, 0.5);
        Tensor x = Tensor.of(GradientCheck.uniform(rng, k.n * k.h * k.w * k.c, -1, 1), k.n, k.h, k.w, k.c);
        GradientCheck.check(conv, x, k::reference, true, rng, Integer.MAX_VALUE);
    }

    @Test
    void rowsSpanningSeveralIm2colBlocks() {
        // fanIn = 5*5*40 = 1000 -> 65 rows per block; 2*7*7 = 98 rows: one full and one partial block.
        Case k = new Case(2, 7, 7, 40, 3, 5, 5, 1, 1, Padding.SAME, Activation.RELU, true);
        Random rng = new Random(11);
        Conv2D conv = k.layer();
        conv.build(Shape.of(k.h, k.w, k.c), rng);
        GradientCheck.randomizeTrainable(conv, rng, -0.1, 0.1);
        Tensor x = Tensor.of(GradientCheck.uniform(rng, k.n * k.h * k.w * k.c, -1, 1), k.n, k.h, k.w, k.c);
        GradientCheck.check(conv, x, k::reference, true, rng, 120);
    }

    @Test
    void outputsSpanningManyChunksAndFolds() {
        // 3*30*30*100 = 270,000 outputs: 34 chunks of 8,100 floats, so the bias/ReLU pass and the
        // bias sums cross chunk boundaries and fold partial sums more than once.
        Case k = new Case(3, 30, 30, 1, 100, 3, 3, 1, 1, Padding.SAME, Activation.RELU, true);
        Random rng = new Random(13);
        Conv2D conv = k.layer();
        conv.build(Shape.of(k.h, k.w, k.c), rng);
        GradientCheck.randomizeTrainable(conv, rng, -0.5, 0.5);
        Tensor x = Tensor.of(GradientCheck.uniform(rng, k.n * k.h * k.w * k.c, -1, 1), k.n, k.h, k.w, k.c);
        GradientCheck.check(conv, x, k::reference, true, rng, 6);
    }

    @Test
    void firstLayerSkipsInputGradientButStillComputesParameterGradients() {
        Case k = new Case(2, 5, 5, 3, 4, 3, 3, 2, 2, Padding.SAME, Activation.RELU, true);
        Random rng = new Random(3);
        Conv2D conv = k.layer();
        conv.build(Shape.of(k.h, k.w, k.c), rng);
        conv.setPropagateInputGradient(false);
        GradientCheck.randomizeTrainable(conv, rng, -0.5, 0.5);
        Tensor x = Tensor.of(GradientCheck.uniform(rng, k.n * k.h * k.w * k.c, -1, 1), k.n, k.h, k.w, k.c);
        assertNull(GradientCheck.check(conv, x, k::reference, true, rng, Integer.MAX_VALUE));
    }

    @Test
    void backwardOverwritesGradientsAndFollowsBatchSizeChanges() {
        Case k2 = new Case(2, 5, 5, 3, 4, 3, 3, 1, 1, Padding.SAME, Activation.RELU, true);
        Case k3 = new Case(3, 5, 5, 3, 4, 3, 3, 1, 1, Padding.SAME, Activation.RELU, true);
        Random rng = new Random(5);
        Conv2D conv = k2.layer();
        conv.build(Shape.of(5, 5, 3), rng);
        GradientCheck.randomizeTrainable(conv, rng, -0.5, 0.5);
        Tensor x2 = Tensor.of(GradientCheck.uniform(rng, 2 * 75, -1, 1), 2, 5, 5, 3);
        Tensor x3 = Tensor.of(GradientCheck.uniform(rng, 3 * 75, -1, 1), 3, 5, 5, 3);
        // Same batch twice: gradients must be those of one batch, not the sum of two.
        GradientCheck.check(conv, x2, k2::reference, true, rng, 40);
        GradientCheck.check(conv, x2, k2::reference, true, rng, 40);
        // A different batch size, then back: the reused buffers must follow.
        GradientCheck.check(conv, x3, k3::reference, true, rng, 40);
        GradientCheck.check(conv, x2, k2::reference, true, rng, 40);
    }

    @Test
    void glorotUniformKernelAndZeroBias() {
        Conv2D conv = new Conv2D(64, 5, Padding.SAME, Activation.NONE);
        conv.build(Shape.of(14, 14, 32), new Random(42));
        float[] w = conv.kernel().value().toArray();
        assertEquals(Shape.of(5, 5, 32, 64), conv.kernel().shape());
        double limit = Math.sqrt(6.0 / (5 * 5 * 32 + 5 * 5 * 64));
        double max = 0;
        double sum = 0;
        double sumSq = 0;
        for (float v : w) {
            max = Math.max(max, Math.abs(v));
            sum += v;
            sumSq += (double) v * v;
        }
        assertTrue(max <= limit, "max |w| " + max + " exceeds the Glorot limit " + limit);
        assertTrue(max > 0.99 * limit, "51,200 uniform draws should come near the limit; max " + max);
        double mean = sum / w.length;
        double variance = sumSq / w.length - mean * mean;
        assertEquals(0, mean, 0.01 * limit);
        assertEquals(limit * limit / 3, variance, 0.03 * limit * limit / 3);
        assertArrayEquals(new float[64], conv.bias().value().toArray());

        Conv2D same = new Conv2D(64, 5, Padding.SAME, Activation.NONE);
        same.build(Shape.of(14, 14, 32), new Random(42));
        assertArrayEquals(w, same.kernel().value().toArray(), "same seed, same kernel");
        Conv2D other = new Conv2D(64, 5, Padding.SAME, Activation.NONE);
        other.build(Shape.of(14, 14, 32), new Random(43));
        assertFalse(java.util.Arrays.equals(w, other.kernel().value().toArray()), "another seed, another kernel");
    }

    @Test
    void kernelLayerContractAndParameters() {
        Conv2D conv = new Conv2D(8, 3, 2, 1, 1, Padding.VALID, Activation.NONE, false);
        conv.build(Shape.of(6, 5, 4), new Random(1));
        assertEquals(4, conv.inputChannels());
        assertEquals(8, conv.outputChannels());
        assertArrayEquals(new int[] {3, 2}, conv.kernelSize());
        assertNull(conv.bias());
        assertEquals(List.of(conv.kernel()), conv.parameters());
        assertEquals("kernel", conv.kernel().name());
        assertEquals("Conv2D", conv.typeName());
        assertNull(conv.name(), "unnamed until Sequential names it");
        assertEquals("c1", new Conv2D(8, 3).named("c1").name());
    }

    @Test
    void rejectsBadShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Conv2D(4, 5).build(Shape.of(3, 8, 1), new Random(1)));
        assertTrue(e.getMessage().contains("(3, 8, 1)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Conv2D(4, 3).build(Shape.of(8, 8), new Random(1)));
        assertThrows(IllegalArgumentException.class, () -> new Conv2D(0, 3));
        Conv2D conv = new Conv2D(2, 3);
        conv.build(Shape.of(5, 5, 3), new Random(1));
        e = assertThrows(IllegalArgumentException.class, () -> conv.forward(Tensor.zeros(2, 5, 5, 2), false));
        assertTrue(e.getMessage().contains("(2, 5, 5, 2)"), e.getMessage());
    }
}
