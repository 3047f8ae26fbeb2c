package dev.sparse24.sparsify;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The permutation search against brute force over every grouping of small layers. */
class ChannelPermutationTest {
    /** Every partition of 0..n-1 into groups of 4, as permutations (group order fixed by smallest member). */
    static List<int[]> allGroupings(int n) {
        List<int[]> out = new ArrayList<>();
        partitions(new boolean[n], new int[n], 0, out);
        return out;
    }

    private static void partitions(boolean[] used, int[] perm, int filled, List<int[]> out) {
        int n = used.length;
        if (filled == n) {
            out.add(perm.clone());
            return;
        }
        int first = 0;
        while (used[first]) {
            first++;
        }
        used[first] = true;
        perm[filled] = first;
        for (int a = first + 1; a < n; a++) {
            if (used[a]) continue;
            for (int b = a + 1; b < n; b++) {
                if (used[b]) continue;
                for (int c = b + 1; c < n; c++) {
                    if (used[c]) continue;
                    used[a] = used[b] = used[c] = true;
                    perm[filled + 1] = a;
                    perm[filled + 2] = b;
                    perm[filled + 3] = c;
                    partitions(used, perm, filled + 4, out);
                    used[a] = used[b] = used[c] = false;
                }
            }
        }
        used[first] = false;
    }

    /** Kept magnitude computed the plain way: sort each group's four |w| per row, add the top two. */
    static double bruteScore(float[] w, int rows, int cols, int[] perm) {
        double s = 0;
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < cols; g += 4) {
                float[] v = new float[4];
                for (int k = 0; k < 4; k++) {
                    v[k] = Math.abs(w[r * cols + perm[g + k]]);
                }
                Arrays.sort(v);
                s += v[2] + v[3];
            }
        }
        return s;
    }

    static float[] gaussian(Random r, int n) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) r.nextGaussian();
        }
        return w;
    }

    @Test
    void eightChannelsHave35GroupingsAndTheSearchFindsTheBest() {
        assertEquals(35, allGroupings(8).size());
        assertEquals(5775, allGroupings(12).size());
        Random r = new Random(1);
        for (int trial = 0; trial < 30; trial++) {
            int rows = 1 + r.nextInt(12);
            float[] w = gaussian(r, rows * 8);
            double best = allGroupings(8).stream().mapToDouble(p -> bruteScore(w, rows, 8, p)).max().orElseThrow();
            int[] found = ChannelPermutation.search(w, rows, 8, 4, trial);
            double score = ChannelPermutation.keptMagnitude(w, rows, 8, found);
            assertEquals(bruteScore(w, rows, 8, found), score, 1e-4);
            assertEquals(best, score, 1e-4 * best, "trial " + trial + ": " + Arrays.toString(found));
        }
    }

    @Test
    void twelveChannelsReachTheBruteForceOptimum() {
        Random r = new Random(2);
        List<int[]> all = allGroupings(12);
        for (int trial = 0; trial < 10; trial++) {
            int rows = 2 + r.nextInt(6);
            float[] w = gaussian(r, rows * 12);
            double best = all.stream().mapToDouble(p -> bruteScore(w, rows, 12, p)).max().orElseThrow();
            int[] found = ChannelPermutation.search(w, rows, 12, 8, trial);
            double score = bruteScore(w, rows, 12, found);
            assertEquals(best, score, 1e-4 * best, "trial " + trial);
        }
    }

    @Test
    void neverWorseThanTheIdentityAndAValidCanonicalPermutation() {
        Random r = new Random(3);
        for (int trial = 0; trial < 20; trial++) {
            int cols = 4 * (1 + r.nextInt(8));
            int rows = 1 + r.nextInt(20);
            float[] w = gaussian(r, rows * cols);
            int[] p = ChannelPermutation.search(w, rows, cols, 0, 0);
            int[] sorted = p.clone();
            Arrays.sort(sorted);
            assertArrayEquals(ChannelPermutation.identity(cols), sorted);
            assertArrayEquals(ChannelPermutation.canonical(p), p);
            assertTrue(ChannelPermutation.keptMagnitude(w, rows, cols, p)
                    >= ChannelPermutation.keptMagnitude(w, rows, cols) - 1e-6);
        }
    }

    @Test
    void aHandMadeCaseIsRegroupedAsExpected() {
        // One row; channels 0,1 large and 2,3 large would share a group in order: 2:4 loses two
        // large values. The best grouping pairs each large channel with a small one.
        float[] w = {9, 8, 7, 6, 0.1f, 0.2f, 0.3f, 0.4f};
        assertEquals(9 + 8 + 0.4 + 0.3, ChannelPermutation.keptMagnitude(w, 1, 8), 1e-6);
        int[] p = ChannelPermutation.search(w, 1, 8, 0, 0);
        assertEquals(9 + 8 + 7 + 6, ChannelPermutation.keptMagnitude(w, 1, 8, p), 1e-6);
    }

    @Test
    void channelsNotAMultipleOfFourAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ChannelPermutation.search(new float[6], 1, 6, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> ChannelPermutation.search(new float[8], 3, 8, 0, 0));
    }
}
