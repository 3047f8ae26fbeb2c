package dev.sparse24.testing;

import dev.sparse24.tensor.Tensor;

import java.util.Random;

/**
 * Random 2:4-sparse test weights: the one generator the tests of every module share (published
 * in core's test-jar). Row-major {@code [rows, cols]}, groups of four consecutive columns; a
 * row whose width is not a multiple of 4 ends in a partial group.
 *
 * <p>Each group keeps one of the six position pairs chosen uniformly, so that every metadata
 * code (0x4, 0x8, 0x9, 0xC, 0xD, 0xE) occurs in any sizeable matrix.
 */
public final class RandomWeights {
    /** The six ways to keep two of four positions, in code order. */
    public static final int[][] PAIRS = {{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}};

    private RandomWeights() {
    }

    /** Two gaussian non-zeros in every group (where the columns exist). */
    public static float[] twoFour(Random rnd, int rows, int cols) {
        return generate(rnd, rows, cols, false, false);
    }

    /**
     * Like {@link #twoFour} but each kept value is zero with probability 1/8, so that groups
     * with fewer than two non-zeros (and PyTorch's codes for them) occur too.
     */
    public static float[] twoFourWithGaps(Random rnd, int rows, int cols) {
        return generate(rnd, rows, cols, true, false);
    }

    /**
     * Like {@link #twoFour} with small integers (+-1..4) instead of gaussians: sums of their
     * products are exact in fp16, bf16 and fp32, so kernels can be compared bit for bit.
     */
    public static float[] twoFourIntegers(Random rnd, int rows, int cols) {
        return generate(rnd, rows, cols, false, true);
    }

    /**
     * Prunes {@code w} 2:4 in place along its flat order: in each group of four consecutive
     * values, two positions (a random pair of {@link #PAIRS}) are kept and the other two set to
     * zero. For a weight in TFLite orientation that is 2:4 along the input axis.
     *
     * @throws IllegalArgumentException when the size is not a multiple of 4
     */
    public static void pruneTwoFour(Tensor w, Random rnd) {
        if (w.size() % 4 != 0) {
            throw new IllegalArgumentException("size " + w.size() + " is not a multiple of 4");
        }
        for (int g = 0; g < w.size(); g += 4) {
            int[] keep = PAIRS[rnd.nextInt(PAIRS.length)];
            for (int i = 0; i < 4; i++) {
                if (i != keep[0] && i != keep[1]) {
                    w.set(g + i, 0f);
                }
            }
        }
    }

    private static float[] generate(Random rnd, int rows, int cols, boolean gaps, boolean integers) {
        float[] dense = new float[Math.multiplyExact(rows, cols)];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j * 4 < cols; j++) {
                for (int p : PAIRS[rnd.nextInt(PAIRS.length)]) {
                    int c = 4 * j + p;
                    if (c < cols && !(gaps && rnd.nextInt(8) == 0)) {
                        dense[r * cols + c] = integers ? (rnd.nextInt(4) + 1) * (rnd.nextBoolean() ? 1 : -1)
                                : (float) rnd.nextGaussian();
                    }
                }
            }
        }
        return dense;
    }
}
