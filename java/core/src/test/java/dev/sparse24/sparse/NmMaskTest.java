package dev.sparse24.sparse;

import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class NmMaskTest {
    private static float[] mask(float[] row, NmPattern p) {
        return NmMask.compute(Tensor.of(row, 1, row.length), p).toArray();
    }

    @Test
    void keepsTheTwoLargestMagnitudes() {
        assertArrayEquals(new float[] {0, 1, 1, 0}, mask(new float[] {0.1f, -0.9f, 0.5f, 0.3f}, NmPattern.TWO_FOUR));
        assertArrayEquals(new float[] {1, 0, 0, 1}, mask(new float[] {-4, 1, -2, 3}, NmPattern.TWO_FOUR));
    }

    @Test
    void tiesGoToTheLowerIndex() {
        assertArrayEquals(new float[] {1, 1, 0, 0}, mask(new float[] {0.5f, -0.5f, 0.5f, 0.2f}, NmPattern.TWO_FOUR));
        assertArrayEquals(new float[] {1, 1, 0, 0}, mask(new float[] {1, 1, 1, 1}, NmPattern.TWO_FOUR));
        assertArrayEquals(new float[] {0, 1, 1, 0}, mask(new float[] {0.2f, 0.7f, -0.7f, 0.7f}, NmPattern.TWO_FOUR));
        // All zeros: the mask still names two positions per group, the first two.
        assertArrayEquals(new float[] {1, 1, 0, 0, 1}, mask(new float[] {0, 0, 0, 0, 0}, NmPattern.TWO_FOUR));
    }

    @Test
    void trailingPartialGroupKeepsMinOfItsLengthAndNMinusM() {
        assertArrayEquals(new float[] {0, 0, 1, 1, 1, 1}, mask(new float[] {1, 2, 3, 4, 5, 6}, NmPattern.TWO_FOUR));
        assertArrayEquals(new float[] {0, 0, 1, 1, 1}, mask(new float[] {1, 2, 3, 4, 9}, NmPattern.TWO_FOUR));
        assertArrayEquals(new float[] {1, 1, 0, 0, 0, 1, 1},
                mask(new float[] {4, 3, 2, 1, 0.1f, 0.3f, -0.2f}, NmPattern.TWO_FOUR));
        // 1:4 keeps 3 per group; a trailing group of 2 keeps both.
        assertArrayEquals(new float[] {1, 0, 1, 1, 1, 1}, mask(new float[] {5, 1, 6, 7, 0.5f, 0.25f}, NmPattern.of(1, 4)));
    }

    @Test
    void everyRowIsMaskedOnItsOwn() {
        // Rows of 3: each is one partial group keeping its two largest.
        float[] w = {1, 2, 3, 9, 8, 7};
        assertArrayEquals(new float[] {0, 1, 1, 1, 1, 0}, NmMask.compute(Tensor.of(w, 2, 3), NmPattern.TWO_FOUR).toArray());
    }

    @Test
    void sevenInputChannelsGiveExactlyThreeSeventhsSparsity() {
        // A conv filter [out=5, kh=3, kw=3, in=7]: each row of 7 keeps 2 + 2 (partial group of 3).
        Tensor w = randomNonZero(new Random(1), 5, 3, 3, 7);
        Tensor m = NmMask.compute(w, NmPattern.TWO_FOUR);
        assertEquals(3.0 / 7.0, SparsityReport.sparsity(m), 1e-12);
        assertEquals(0, NmPattern.TWO_FOUR.countViolatingGroups(m));
    }

    @Test
    void twoOrFewerInputChannelsPruneNothing() {
        for (int in = 1; in <= 2; in++) {
            Tensor m = NmMask.compute(randomNonZero(new Random(in), 16, in), NmPattern.TWO_FOUR);
            assertEquals(0.0, SparsityReport.sparsity(m), 0.0, "in=" + in);
        }
    }

    @Test
    void matchesASortingReferenceOnTiedRandomData() {
        Random rnd = new Random(42);
        NmPattern[] patterns = {NmPattern.TWO_FOUR, NmPattern.of(1, 4), NmPattern.of(3, 8), NmPattern.of(1, 2)};
        for (NmPattern p : patterns) {
            for (int cols : new int[] {1, 3, 4, 7, 8, 11, 16}) {
                int rows = 13;
                float[] w = new float[rows * cols];
                for (int i = 0; i < w.length; i++) {
                    w[i] = (rnd.nextInt(5) - 2) * 0.5f; // many ties, zeros and signs
                }
                float[] expected = referenceMask(w, rows, cols, p);
                float[] actual = NmMask.compute(Tensor.of(w, rows, cols), p).toArray();
                assertArrayEquals(expected, actual, p + " cols=" + cols);
            }
        }
    }

    @Test
    void rejectsScalars() {
        assertThrows(IllegalArgumentException.class, () -> NmMask.compute(Tensor.zeros(new int[0]), NmPattern.TWO_FOUR));
    }

    /** Sorts each group's indices by (magnitude descending, index ascending) and keeps the first ones. */
    private static float[] referenceMask(float[] w, int rows, int cols, NmPattern p) {
        float[] m = new float[w.length];
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < cols; g += p.n()) {
                List<Integer> idx = new ArrayList<>();
                for (int c = g; c < Math.min(g + p.n(), cols); c++) {
                    idx.add(r * cols + c);
                }
                idx.sort(Comparator.<Integer>comparingDouble(i -> -Math.abs((double) w[i])).thenComparing(i -> i));
                for (int k = 0; k < Math.min(idx.size(), p.n() - p.m()); k++) {
                    m[idx.get(k)] = 1;
                }
            }
        }
        return m;
    }

    static Tensor randomNonZero(Random rnd, int... dims) {
        Tensor t = Tensor.zeros(dims);
        for (int i = 0; i < t.size(); i++) {
            t.set(i, (float) (rnd.nextDouble() + 0.01) * (rnd.nextBoolean() ? 1 : -1));
        }
        return t;
    }
}
