package dev.sparse24.nn;

import dev.sparse24.graph.Padding;
import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Random;
import java.util.stream.Stream;

import static dev.sparse24.nn.GradientCheck.samePadBefore;
import static dev.sparse24.nn.GradientCheck.sameOutput;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MaxPooling2DTest {

    record Case(int n, int h, int w, int c, int ph, int pw, int sh, int sw, Padding padding) {
        int outH() {
            return padding == Padding.SAME ? sameOutput(h, sh) : (h - ph) / sh + 1;
        }

        int outW() {
            return padding == Padding.SAME ? sameOutput(w, sw) : (w - pw) / sw + 1;
        }

        /** Max over each window of the input padded with -infinity (so padding never wins). */
        double[] reference(double[] x, double[][] params) {
            int oh = outH();
            int ow = outW();
            int top = padding == Padding.SAME ? samePadBefore(h, ph, sh) : 0;
            int left = padding == Padding.SAME ? samePadBefore(w, pw, sw) : 0;
            double[] y = new double[n * oh * ow * c];
            for (int s = 0; s < n; s++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        for (int ch = 0; ch < c; ch++) {
                            double m = Double.NEGATIVE_INFINITY;
                            for (int i = 0; i < ph; i++) {
                                for (int j = 0; j < pw; j++) {
                                    int iy = oy * sh - top + i;
                                    int ix = ox * sw - left + j;
                                    double v = iy < 0 || iy >= h || ix < 0 || ix >= w
                                            ? Double.NEGATIVE_INFINITY : x[((s * h + iy) * w + ix) * c + ch];
                                    m = Math.max(m, v);
                                }
                            }
                            y[((s * oh + oy) * ow + ox) * c + ch] = m;
                        }
                    }
                }
            }
            return y;
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                new Case(2, 5, 7, 3, 2, 2, 2, 2, Padding.VALID),
                new Case(3, 5, 5, 1, 2, 2, 2, 2, Padding.SAME),
                new Case(1, 7, 7, 5, 3, 3, 2, 2, Padding.SAME),   // overlapping windows
                new Case(2, 7, 6, 3, 3, 2, 1, 2, Padding.VALID),
                new Case(1, 5, 5, 2, 2, 2, 1, 1, Padding.SAME),   // padding only at bottom/right
                new Case(2, 6, 5, 3, 3, 3, 3, 2, Padding.SAME)
        ).map(Arguments::of);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void forwardAndGradientMatchReference(Case k) {
        Random rng = new Random(k.hashCode());
        MaxPooling2D pool = new MaxPooling2D(k.ph, k.pw, k.sh, k.sw, k.padding);
        assertEquals(Shape.of(k.outH(), k.outW(), k.c), pool.build(Shape.of(k.h, k.w, k.c), rng));
        Tensor x = Tensor.of(GradientCheck.uniform(rng, k.n * k.h * k.w * k.c, -1, 1), k.n, k.h, k.w, k.c);
        GradientCheck.check(pool, x, k::reference, true, rng, Integer.MAX_VALUE);
    }

    @Test
    void handComputedExample() {
        // One 4x4 channel, 2x2 pool, stride 2:
        //  1  5 | 2  0
        //  3 -1 | 7  4
        //  -----+-----
        //  0  0 | 9  8
        //  6  2 | 1  1
        MaxPooling2D pool = new MaxPooling2D();
        pool.build(Shape.of(4, 4, 1), new Random(1));
        Tensor x = Tensor.of(new float[] {1, 5, 2, 0, 3, -1, 7, 4, 0, 0, 9, 8, 6, 2, 1, 1}, 1, 4, 4, 1);
        assertArrayEquals(new float[] {5, 7, 6, 9}, pool.forward(x, true).toArray());
        Tensor dx = pool.backward(Tensor.of(new float[] {10, 20, 30, 40}, 1, 2, 2, 1));
        assertArrayEquals(new float[] {0, 10, 0, 0, 0, 0, 20, 0, 0, 0, 40, 0, 30, 0, 0, 0}, dx.toArray());
    }

    @Test
    void tiesGoToTheFirstInputCellInScanOrder() {
        // All zeros (as after a ReLU); 3x3 pool, stride 2, SAME on 3x3: one padding row/column
        // before, so every window's first cell in scan order is padding.
        MaxPooling2D pool = new MaxPooling2D(3, 3, 2, 2, Padding.SAME);
        pool.build(Shape.of(3, 3, 1), new Random(1));
        assertArrayEquals(new float[4], pool.forward(Tensor.zeros(1, 3, 3, 1), true).toArray());
        Tensor dx = pool.backward(Tensor.of(new float[] {1, 2, 3, 4}, 1, 2, 2, 1));
        // Windows cover rows/cols {0,1} and {1,2}: their first input cells are (0,0), (0,1), (1,0), (1,1).
        assertArrayEquals(new float[] {1, 2, 0, 3, 4, 0, 0, 0, 0}, dx.toArray());
    }

    @Test
    void paddedCellsNeverWin() {
        // All inputs negative: a zero-padded max would return 0 at the right/bottom border.
        MaxPooling2D pool = new MaxPooling2D(2, Padding.SAME);
        pool.build(Shape.of(3, 3, 1), new Random(1));
        Tensor x = Tensor.of(new float[] {-1, -2, -3, -4, -5, -6, -7, -8, -9}, 1, 3, 3, 1);
        // Windows: rows {0,1} x cols {0,1}, {0,1} x {2}, {2} x {0,1}, {2} x {2}.
        assertArrayEquals(new float[] {-1, -3, -7, -9}, pool.forward(x, false).toArray());
    }

    @Test
    void rejectsPoolLargerThanInputWithValid() {
        assertThrows(IllegalArgumentException.class,
                () -> new MaxPooling2D(3, Padding.VALID).build(Shape.of(2, 5, 1), new Random(1)));
        assertThrows(IllegalArgumentException.class, () -> new MaxPooling2D().build(Shape.of(4, 4), new Random(1)));
    }
}
