package dev.sparse24.ops;

import dev.sparse24.graph.FusedActivation;

/** SOFTMAX along the last axis: {@code exp(beta (x - max)) / sum}, the exponentials summed in double. */
public final class Softmax {
    private Softmax() {
    }

    /** Rows of {@code depth} values, {@code n} values in all, from {@code in[offset...]} into {@code out[offset...]}. */
    public static void rows(float[] in, float[] out, int offset, int n, int depth, float beta, FusedActivation act) {
        for (int row = offset; row < offset + n; row += depth) {
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < depth; i++) {
                max = Math.max(max, in[row + i]);
            }
            double sum = 0;
            for (int i = 0; i < depth; i++) {
                double e = Math.exp((in[row + i] - max) * (double) beta);
                out[row + i] = (float) e;
                sum += e;
            }
            for (int i = 0; i < depth; i++) {
                out[row + i] = act.apply((float) (out[row + i] / sum));
            }
        }
    }
}
