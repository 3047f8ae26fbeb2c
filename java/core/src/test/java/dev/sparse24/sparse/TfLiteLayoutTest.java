package dev.sparse24.sparse;

import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TfLiteLayoutTest {
    private static final int KH = 2;
    private static final int KW = 3;
    private static final int IN = 2;
    private static final int OUT = 4;

    /** A value that names its Keras position (h, w, i, o). */
    private static float code(int h, int w, int i, int o) {
        return h * 1000 + w * 100 + i * 10 + o;
    }

    /** Keras HWIO kernel whose every element is its own code. */
    private static Tensor hwioKernel() {
        Tensor k = Tensor.zeros(KH, KW, IN, OUT);
        for (int h = 0; h < KH; h++) {
            for (int w = 0; w < KW; w++) {
                for (int i = 0; i < IN; i++) {
                    for (int o = 0; o < OUT; o++) {
                        k.set(((h * KW + w) * IN + i) * OUT + o, code(h, w, i, o));
                    }
                }
            }
        }
        return k;
    }

    @Test
    void convKernelBecomesOutHwIn() {
        Tensor t = TfLiteLayout.fromKeras(hwioKernel(), KH, KW, IN, OUT);
        assertEquals(Shape.of(OUT, KH, KW, IN), t.shape());
        for (int o = 0; o < OUT; o++) {
            for (int h = 0; h < KH; h++) {
                for (int w = 0; w < KW; w++) {
                    for (int i = 0; i < IN; i++) {
                        assertEquals(code(h, w, i, o), t.get(((o * KH + h) * KW + w) * IN + i),
                                "o=" + o + " h=" + h + " w=" + w + " i=" + i);
                    }
                }
            }
        }
    }

    @Test
    void groupRowsAreInputChannelVectorsOfOneTap() {
        Tensor rows = TfLiteLayout.groupRows(TfLiteLayout.fromKeras(hwioKernel(), KH, KW, IN, OUT));
        assertEquals(Shape.of(OUT * KH * KW, IN), rows.shape());
        // Row (o, h, w) = (3, 1, 2) holds the input channels of that tap and filter.
        int r = (3 * KH + 1) * KW + 2;
        assertEquals(code(1, 2, 0, 3), rows.get(r * IN));
        assertEquals(code(1, 2, 1, 3), rows.get(r * IN + 1));
    }

    @Test
    void toKerasInvertsFromKeras() {
        Tensor k = hwioKernel();
        Tensor back = Tensor.zeros(KH, KW, IN, OUT);
        TfLiteLayout.toKeras(TfLiteLayout.fromKeras(k, KH, KW, IN, OUT), back);
        assertArrayEquals(k.toArray(), back.toArray());
    }

    @Test
    void rankTwoConvKernelStillGetsFourDims() {
        Tensor flat = hwioKernel().reshape(KH * KW * IN, OUT);
        Tensor t = TfLiteLayout.fromKeras(flat, KH, KW, IN, OUT);
        assertEquals(Shape.of(OUT, KH, KW, IN), t.shape());
        assertArrayEquals(TfLiteLayout.fromKeras(hwioKernel(), KH, KW, IN, OUT).toArray(), t.toArray());
    }

    @Test
    void denseKernelIsTransposed() {
        // Keras [in=3, out=2]: element (i, o) = 10 i + o.
        Tensor k = Tensor.of(new float[] {0, 1, 10, 11, 20, 21}, 3, 2);
        Tensor t = TfLiteLayout.fromKeras(k, 1, 1, 3, 2);
        assertEquals(Shape.of(2, 3), t.shape());
        assertArrayEquals(new float[] {0, 10, 20, 1, 11, 21}, t.toArray());
        Tensor back = Tensor.zeros(3, 2);
        TfLiteLayout.toKeras(t, back);
        assertArrayEquals(k.toArray(), back.toArray());
    }

    @Test
    void oneByOneConvKeepsRankFour() {
        Tensor k = Tensor.of(new float[] {0, 1, 10, 11, 20, 21}, 1, 1, 3, 2);
        assertEquals(Shape.of(2, 1, 1, 3), TfLiteLayout.fromKeras(k, 1, 1, 3, 2).shape());
    }

    @Test
    void rejectsMismatchedGeometry() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TfLiteLayout.fromKeras(hwioKernel(), KH, KW, IN + 1, OUT));
        assertTrue(e.getMessage().contains("(2, 3, 2, 4)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TfLiteLayout.fromKeras(hwioKernel(), KW, KH, IN, OUT));
        Tensor t = TfLiteLayout.fromKeras(hwioKernel(), KH, KW, IN, OUT);
        assertThrows(IllegalArgumentException.class, () -> TfLiteLayout.toKeras(t, Tensor.zeros(KH, KW, OUT, IN)));
        assertThrows(IllegalArgumentException.class, () -> TfLiteLayout.toKeras(t, Tensor.zeros(KH, KW, IN, OUT + 1)));
    }
}
