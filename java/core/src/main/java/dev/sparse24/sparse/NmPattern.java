package dev.sparse24.sparse;

import dev.sparse24.tensor.Tensor;

/**
 * An m:n structured-sparsity pattern, TFMOT's {@code sparsity_m_by_n}: in every group of
 * {@code n} consecutive values along the last axis (the input-channel axis in TFLite
 * orientation) at least {@code m} are zero, i.e. at most {@code n - m} are kept. A row whose
 * width is not a multiple of {@code n} ends in a partial group of {@code r < n} values, which
 * may hold at most {@code min(r, n - m)} non-zeros.
 *
 * <p>Immutable. {@link #TWO_FOUR} is the pattern NVIDIA sparse tensor cores run.
 */
public final class NmPattern {
    /** 2:4 sparsity: 2 zeros in every 4 consecutive values. */
    public static final NmPattern TWO_FOUR = new NmPattern(2, 4);

    private final int m;
    private final int n;

    /**
     * The pattern with {@code m} zeros in every group of {@code n}.
     *
     * @throws IllegalArgumentException unless {@code 1 <= m < n}
     */
    public NmPattern(int m, int n) {
        if (m < 1) {
            // 0:n would prune nothing; a negative count means nothing at all.
            throw new IllegalArgumentException("m (zeros per group) must be >= 1, given m=" + m + " in "
                    + m + ":" + n);
        }
        if (m >= n) {
            // As TFMOT's generate_m_by_n_mask: a group needs at least one kept value.
            throw new IllegalArgumentException("m (zeros per group) must be smaller than n (group size), given "
                    + m + ":" + n);
        }
        this.m = m;
        this.n = n;
    }

    /** Same as the constructor. */
    public static NmPattern of(int m, int n) {
        return new NmPattern(m, n);
    }

    /**
     * Parses {@code "2:4"} or TFMOT's command-line form {@code "2,4"}.
     *
     * @throws IllegalArgumentException for any other text or an invalid pattern
     */
    public static NmPattern parse(String text) {
        String[] parts = text.trim().split("[:,]", -1);
        if (parts.length != 2) {
            throw new IllegalArgumentException("expected an m:n pattern such as 2:4 or 2,4, given '" + text + "'");
        }
        try {
            return new NmPattern(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected an m:n pattern such as 2:4 or 2,4, given '" + text + "'");
        }
    }

    /** Number of zeros required in each full group. */
    public int m() {
        return m;
    }

    /** Group size. */
    public int n() {
        return n;
    }

    /** Most non-zeros a full group may hold: {@code n - m}. */
    public int kept() {
        return n - m;
    }

    /**
     * Counts the groups of {@code weights} holding more than {@link #kept()} non-zeros. The
     * tensor is read as TFMOT's checker reads it: reshaped to
     * {@code [prod(shape[:-1]), shape[-1]]}, groups of {@code n} along each row, the last
     * partial group of a row included (a rank-0 tensor is one row of one value).
     */
    public long countViolatingGroups(Tensor weights) {
        int size = weights.size();
        int cols = weights.shape().rank() == 0 ? 1 : weights.shape().dim(-1);
        if (size == 0 || cols == 0) {
            return 0;
        }
        return scan(weights.toArray(), size / cols, cols, false);
    }

    /**
     * Counts the groups of a row-major {@code [rows, cols]} matrix holding more than
     * {@link #kept()} non-zeros: groups of {@code n} consecutive columns, the last partial group
     * of a row included. {@code -0.0} counts as zero, NaN as non-zero.
     *
     * @throws IllegalArgumentException when {@code values.length != rows * cols}
     */
    public long countViolatingGroups(float[] values, int rows, int cols) {
        checkLength(values, rows, cols);
        return scan(values, rows, cols, false);
    }

    /**
     * The first group (in row-major order: {@code row * groupsPerRow + group}, with
     * {@code groupsPerRow = ceil(cols / n)}) holding more than {@link #kept()} non-zeros, or -1
     * when the matrix holds the pattern.
     *
     * @throws IllegalArgumentException when {@code values.length != rows * cols}
     */
    public long firstViolatingGroup(float[] values, int rows, int cols) {
        checkLength(values, rows, cols);
        return scan(values, rows, cols, true);
    }

    /** Whether every group of a row-major {@code [rows, cols]} matrix holds the pattern. */
    public boolean isHeldBy(float[] values, int rows, int cols) {
        return firstViolatingGroup(values, rows, cols) < 0;
    }

    /** The one implementation of "does this group hold the pattern": a count, or the first index. */
    private long scan(float[] w, int rows, int cols, boolean first) {
        int limit = kept();
        long groupsPerRow = (cols + n - 1) / n;
        long violating = 0;
        for (int r = 0; r < rows; r++) {
            int rowStart = r * cols;
            for (int g = 0; g < cols; g += n) {
                int end = Math.min(g + n, cols);
                int nonZeros = 0;
                for (int c = g; c < end; c++) {
                    if (w[rowStart + c] != 0f) {
                        nonZeros++;
                    }
                }
                if (nonZeros > limit) {
                    if (first) {
                        return r * groupsPerRow + g / n;
                    }
                    violating++;
                }
            }
        }
        return first ? -1 : violating;
    }

    private static void checkLength(float[] values, int rows, int cols) {
        if (rows < 0 || cols < 0 || (long) rows * cols != values.length) {
            throw new IllegalArgumentException("matrix [" + rows + ", " + cols + "] needs " + (long) rows * cols
                    + " values, given " + values.length);
        }
    }

    /** Whether every group of {@code weights} holds the pattern (see {@link #countViolatingGroups}). */
    public boolean isHeldBy(Tensor weights) {
        return countViolatingGroups(weights) == 0;
    }

    /** {@code "m:n"}, e.g. {@code "2:4"}. */
    @Override
    public String toString() {
        return m + ":" + n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NmPattern && ((NmPattern) o).m == m && ((NmPattern) o).n == n;
    }

    @Override
    public int hashCode() {
        return 31 * m + n;
    }
}
