package dev.sparse24.sparsify;

import java.util.Arrays;
import java.util.Random;

/**
 * The input-channel permutation that keeps the most weight magnitude under 2:4, as NVIDIA's ASP
 * searches it ({@code permutation_lib}): 2:4 keeps the two largest {@code |w|} of every four
 * consecutive input channels, so which channels share a group decides what survives; reordering
 * the channels (and the producing layer's outputs with them) changes the groups without changing
 * the function.
 *
 * <p>The weights are the matrix {@code [rows, C]} whose columns are input channels and whose
 * rows are everything else (for a conv filter {@code [out, kh, kw, in]}: {@code out*kh*kw} rows;
 * for a Dense after a Flatten of {@code [H, W, C]}: {@code out*H*W} rows, because the dense
 * input index is {@code (h*W + w)*C + c} and one channel permutation applies at every
 * position). The score of a grouping is {@code sum over groups and rows of the top-2 |w|} of
 * the four channels. Only the partition into groups matters: order within a group and of the
 * groups changes nothing (so 8 channels have 35 distinct groupings).
 *
 * <p>Search: swap local search as ASP's channel swaps - from the identity, every pair of
 * channels in different groups is tried and an improving swap applied at once, pass after pass,
 * until a pass finds none; then the same from {@code restarts} random starts, keeping the
 * best. Each swap only rescores its two groups ({@code 2 * rows * 4} values).
 */
public final class ChannelPermutation {
    /** Channels per group of the 2:4 pattern. */
    public static final int GROUP = 4;
    /** Upper bound on passes of one local search (each improving pass strictly raises the score). */
    static final int MAX_PASSES = 100;

    private ChannelPermutation() {
    }

    /**
     * The magnitude 2:4 keeps when the channels are ordered as {@code perm}.
     *
     * @param w    row-major {@code [rows, cols]}, not modified
     * @param perm {@code perm[j]} = the original channel placed at position j
     */
    public static double keptMagnitude(float[] w, int rows, int cols, int[] perm) {
        float[][] columns = columns(w, rows, cols);
        double total = 0;
        for (int g = 0; g < cols / GROUP; g++) {
            total += score(columns, perm, g * GROUP, rows);
        }
        return total;
    }

    /** The magnitude 2:4 keeps with the channels in their own order. */
    public static double keptMagnitude(float[] w, int rows, int cols) {
        return keptMagnitude(w, rows, cols, identity(cols));
    }

    /** The identity permutation of {@code n} channels. */
    public static int[] identity(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        return p;
    }

    /**
     * Searches the permutation (see the class comment).
     *
     * @param w        row-major {@code [rows, cols]} weights, not modified
     * @param cols     the input channels, a positive multiple of 4
     * @param restarts random starts after the identity (0: the identity's local optimum only)
     * @param seed     seed of the random starts
     * @return {@code perm}, {@code perm[j]} = original channel at position j, in canonical form
     *     (each group sorted, groups ordered by their first channel); its kept magnitude is at
     *     least the identity's
     * @throws IllegalArgumentException when {@code cols} is not a multiple of 4 or sizes disagree
     */
    public static int[] search(float[] w, int rows, int cols, int restarts, long seed) {
        if (cols <= 0 || cols % GROUP != 0 || rows <= 0 || (long) rows * cols != w.length) {
            throw new IllegalArgumentException("channel permutation: expected [rows, cols] weights with cols a"
                    + " positive multiple of 4, given " + w.length + " values as [" + rows + ", " + cols + "]");
        }
        float[][] columns = columns(w, rows, cols);
        int[] best = localSearch(columns, identity(cols), rows);
        double bestScore = total(columns, best, rows);
        Random r = new Random(seed);
        for (int s = 0; s < restarts; s++) {
            int[] start = identity(cols);
            for (int i = cols - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = start[i];
                start[i] = start[j];
                start[j] = t;
            }
            int[] p = localSearch(columns, start, rows);
            double sc = total(columns, p, rows);
            if (sc > bestScore * (1 + 1e-12)) {
                best = p;
                bestScore = sc;
            }
        }
        return canonical(best);
    }

    private static int[] localSearch(float[][] columns, int[] perm, int rows) {
        int cols = perm.length;
        int groups = cols / GROUP;
        double[] scores = new double[groups];
        for (int g = 0; g < groups; g++) {
            scores[g] = score(columns, perm, g * GROUP, rows);
        }
        for (int pass = 0; pass < MAX_PASSES; pass++) {
            boolean improved = false;
            for (int g1 = 0; g1 < groups; g1++) {
                for (int g2 = g1 + 1; g2 < groups; g2++) {
                    for (int a = g1 * GROUP; a < g1 * GROUP + GROUP; a++) {
                        for (int b = g2 * GROUP; b < g2 * GROUP + GROUP; b++) {
                            swap(perm, a, b);
                            double s1 = score(columns, perm, g1 * GROUP, rows);
                            double s2 = score(columns, perm, g2 * GROUP, rows);
                            double before = scores[g1] + scores[g2];
                            // A relative margin: rounding must not make a swap and its undo both "improve".
                            if (s1 + s2 > before + 1e-9 * Math.max(before, 1e-30)) {
                                scores[g1] = s1;
                                scores[g2] = s2;
                                improved = true;
                            } else {
                                swap(perm, a, b);
                            }
                        }
                    }
                }
            }
            if (!improved) {
                break;
            }
        }
        return perm;
    }

    /** Sum over rows of the two largest of four |w| in the group at positions from..from+3. */
    private static double score(float[][] columns, int[] perm, int from, int rows) {
        float[] c0 = columns[perm[from]];
        float[] c1 = columns[perm[from + 1]];
        float[] c2 = columns[perm[from + 2]];
        float[] c3 = columns[perm[from + 3]];
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            float a = c0[r];
            float b = c1[r];
            float c = c2[r];
            float d = c3[r];
            // Top two of four: the larger of each pair, then the best second.
            float hi1 = Math.max(a, b);
            float lo1 = Math.min(a, b);
            float hi2 = Math.max(c, d);
            float lo2 = Math.min(c, d);
            sum += hi1 >= hi2 ? hi1 + Math.max(lo1, hi2) : hi2 + Math.max(lo2, hi1);
        }
        return sum;
    }

    private static double total(float[][] columns, int[] perm, int rows) {
        double t = 0;
        for (int g = 0; g < perm.length / GROUP; g++) {
            t += score(columns, perm, g * GROUP, rows);
        }
        return t;
    }

    /** |w| column by column: {@code [cols][rows]}, so a group reads four contiguous arrays. */
    private static float[][] columns(float[] w, int rows, int cols) {
        float[][] c = new float[cols][rows];
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            for (int j = 0; j < cols; j++) {
                c[j][r] = Math.abs(w[base + j]);
            }
        }
        return c;
    }

    /** Each group sorted, groups ordered by first channel: one representative per grouping. */
    static int[] canonical(int[] perm) {
        int groups = perm.length / GROUP;
        int[][] g = new int[groups][];
        for (int i = 0; i < groups; i++) {
            g[i] = Arrays.copyOfRange(perm, i * GROUP, i * GROUP + GROUP);
            Arrays.sort(g[i]);
        }
        Arrays.sort(g, (x, y) -> Integer.compare(x[0], y[0]));
        int[] out = new int[perm.length];
        for (int i = 0; i < groups; i++) {
            System.arraycopy(g[i], 0, out, i * GROUP, GROUP);
        }
        return out;
    }

    private static void swap(int[] p, int a, int b) {
        int t = p[a];
        p[a] = p[b];
        p[b] = t;
    }
}
