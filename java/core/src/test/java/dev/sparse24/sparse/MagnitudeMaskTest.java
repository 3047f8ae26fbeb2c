package dev.sparse24.sparse;

import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MagnitudeMaskTest {
    @Test
    void keepCountRoundsHalfToEven() {
        assertEquals(2, MagnitudeMask.keepCount(5, 0.5));   // 2.5 -> 2
        assertEquals(4, MagnitudeMask.keepCount(7, 0.5));   // 3.5 -> 4
        assertEquals(4, MagnitudeMask.keepCount(9, 0.5));   // 4.5 -> 4
        assertEquals(6, MagnitudeMask.keepCount(11, 0.5));  // 5.5 -> 6
        assertEquals(2, MagnitudeMask.keepCount(3, 0.5));   // 1.5 -> 2
        assertEquals(2, MagnitudeMask.keepCount(4, 0.5));
        assertEquals(100, MagnitudeMask.keepCount(100, 0.0));
        assertEquals(25, MagnitudeMask.keepCount(100, 0.75));
    }

    @Test
    void keepsAtLeastOne() {
        assertEquals(1, MagnitudeMask.keepCount(1, 0.9));   // 0.1 -> 0 -> 1
        assertEquals(1, MagnitudeMask.keepCount(4, 0.99));
    }

    @Test
    void masksBelowTheKthLargestMagnitude() {
        Tensor w = Tensor.of(new float[] {0.3f, -0.1f, 0.5f, -0.7f, 0.2f}, 5);
        MagnitudeMask m = MagnitudeMask.compute(w, 0.5);
        assertEquals(2, m.keepCount());
        assertEquals(0.5f, m.threshold());
        assertArrayEquals(new float[] {0, 0, 1, 1, 0}, m.mask().toArray());
        assertArrayEquals(new float[] {0.3f, -0.1f, 0.5f, -0.7f, 0.2f}, w.toArray(), "weights must not change");
    }

    @Test
    void tiesWithTheThresholdKeepMoreThanK() {
        Tensor w = Tensor.of(new float[] {1, -2, 2, 2, 3}, 5);
        MagnitudeMask m = MagnitudeMask.compute(w, 0.6); // k = round(2.0) = 2, threshold 2
        assertEquals(2, m.keepCount());
        assertEquals(2f, m.threshold());
        assertArrayEquals(new float[] {0, 1, 1, 1, 1}, m.mask().toArray());
    }

    @Test
    void keepsExactlyTheLargestKOnDistinctRandomWeights() {
        Random rnd = new Random(5);
        Tensor w = NmMaskTest.randomNonZero(rnd, 4, 3, 3, 2);
        double s = 0.7;
        MagnitudeMask m = MagnitudeMask.compute(w, s);
        int k = (int) Math.rint(w.size() * (1 - s)); // 72 * 0.3 = 21.6 -> 22
        assertEquals(22, k);
        double[] mags = new double[w.size()];
        for (int i = 0; i < mags.length; i++) {
            mags[i] = Math.abs(w.get(i));
        }
        double[] sorted = mags.clone();
        Arrays.sort(sorted);
        double kth = sorted[sorted.length - k];
        int kept = 0;
        for (int i = 0; i < mags.length; i++) {
            boolean keep = m.mask().get(i) == 1f;
            assertEquals(mags[i] >= kth, keep, "index " + i);
            kept += keep ? 1 : 0;
        }
        assertEquals(k, kept);
        assertEquals(kth, m.threshold(), 0.0);
        assertEquals(w.shape(), m.mask().shape());
    }

    @Test
    void rejectsSparsityOutsideZeroToOne() {
        Tensor w = Tensor.of(new float[] {1, 2}, 2);
        for (double s : new double[] {1.0, -0.1, Double.NaN, 2}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MagnitudeMask.compute(w, s));
            assertTrue(e.getMessage().contains("[0, 1)"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> MagnitudeMask.keepCount(0, 0.5));
    }
}
