package dev.sparse24.sparse;

import dev.sparse24.tensor.Tensor;

import java.nio.FloatBuffer;

/**
 * The m-by-n mask of TFMOT's {@code generate_m_by_n_mask}: in each group of {@code n}
 * consecutive values along the last axis keep the {@code n - m} of largest magnitude.
 */
public final class NmMask {
    private NmMask() {
    }

    /**
     * Computes the mask (1 = keep, 0 = prune) for weights in TFLite orientation, grouped along
     * the last axis: e.g. a matrix {@code [rows, cols]}, or a conv filter
     * {@code [out, kh, kw, in]} whose rows are its {@code out*kh*kw} input-channel vectors.
     *
     * <p>Each group keeps its {@code n - m} values of largest {@code |w|}; among equal
     * magnitudes the lower index wins. A trailing partial group of {@code r < n} values keeps
     * {@code min(r, n - m)} (TFMOT pads the row with zeros, and its padding loses every tie
     * because it comes last). So rows of {@code n - m} values or fewer keep everything.
     *
     * @param weights weights of rank 1 or more, not modified
     * @return a new tensor of the same shape holding 0 and 1
     * @throws IllegalArgumentException for a rank-0 tensor
     */
    public static Tensor compute(Tensor weights, NmPattern pattern) {
        if (weights.shape().rank() == 0) {
            throw new IllegalArgumentException("m-by-n mask needs weights of rank >= 1 (groups run along the last"
                    + " axis), given shape " + weights.shape());
        }
        int size = weights.size();
        int cols = weights.shape().dim(-1);
        Tensor mask = Tensor.zeros(weights.shape());
        if (size == 0 || cols == 0) {
            return mask;
        }
        int n = pattern.n();
        int kept = pattern.kept();
        FloatBuffer w = weights.buffer();
        FloatBuffer out = mask.buffer();
        float[] magnitude = new float[n];
        int rows = size / cols;
        for (int r = 0; r < rows; r++) {
            int rowStart = r * cols;
            for (int g = 0; g < cols; g += n) {
                int len = Math.min(n, cols - g);
                int keep = Math.min(len, kept);
                for (int j = 0; j < len; j++) {
                    magnitude[j] = Math.abs(w.get(rowStart + g + j));
                }
                for (int j = 0; j < len; j++) {
                    // Rank of j among the group: values larger, or equal and earlier, beat it.
                    // Float.compare orders NaN above everything, so exactly `keep` survive.
                    int beaten = 0;
                    for (int i = 0; i < len; i++) {
                        int c = Float.compare(magnitude[i], magnitude[j]);
                        if (c > 0 || (c == 0 && i < j)) {
                            beaten++;
                        }
                    }
                    if (beaten < keep) {
                        out.put(rowStart + g + j, 1f);
                    }
                }
            }
        }
        return mask;
    }
}
