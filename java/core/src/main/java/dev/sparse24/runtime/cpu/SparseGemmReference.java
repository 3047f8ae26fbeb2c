package dev.sparse24.runtime.cpu;

import dev.sparse24.graph.FusedActivation;
import dev.sparse24.sparse.CompressedWeights;

/**
 * The plain-Java 2:4 sparse GEMM: the oracle the native kernels are tested against, and what
 * {@link SparseGemm} runs when the native library cannot load.
 *
 * <p>Math: {@code Y[b, r] = act(bias[r] + sum over kept slots (c, v) of row r: v * X[b, c])},
 * with W [rows, cols] in TFLite orientation, X [batch, cols] and Y [batch, rows] row-major.
 * Only kept slots are multiplied (also a kept slot holding 0.0, so {@code 0 * Inf = NaN}
 * reaches the output as IEEE says); pruned positions are structurally absent, so a NaN or Inf
 * at a pruned input column does not. Sums are accumulated in double, then rounded once.
 */
public final class SparseGemmReference {
    private SparseGemmReference() {
    }

    /**
     * Computes Y for batch items [0, batch) and output rows [r0, r1) (other entries of y are
     * not touched). Sizes are the caller's to check ({@link SparseGemm} does).
     *
     * @param x    [batch, cols] from offset xOff
     * @param bias [rows] or null
     * @param y    [batch, rows] from offset yOff; modified
     */
    public static void gemm(CompressedWeights w, float[] bias, FusedActivation act,
                            float[] x, int xOff, int batch, float[] y, int yOff, int r0, int r1) {
        int rows = w.rows();
        int cols = w.cols();
        int gpr = w.groupsPerRow();
        float[] values = w.values();
        int[] meta = w.metadata();
        for (int b = 0; b < batch; b++) {
            int xb = xOff + b * cols;
            for (int r = r0; r < r1; r++) {
                double acc = 0;
                for (int j = 0; j < gpr; j++) {
                    long g = (long) r * gpr + j;
                    int code = CompressedWeights.codeAt(meta, g);
                    int c0 = 4 * j + (code & 3);
                    int c1 = 4 * j + (code >>> 2);
                    if (c0 < cols) {
                        acc += (double) values[(int) (2 * g)] * x[xb + c0];
                    }
                    if (c1 < cols) {
                        acc += (double) values[(int) (2 * g + 1)] * x[xb + c1];
                    }
                }
                if (bias != null) {
                    acc += bias[r];
                }
                y[yOff + b * rows + r] = activate((float) acc, act);
            }
        }
    }

    /**
     * The fused activation with NaN propagated (ReLU(NaN) = NaN, as the native kernels give),
     * unlike a plain {@code x > 0 ? x : 0}.
     */
    public static float activate(float v, FusedActivation act) {
        if (Float.isNaN(v)) {
            return v;
        }
        switch (act) {
            case NONE:
                return v;
            case RELU:
                return Math.max(v, 0f);
            case RELU6:
                return Math.min(Math.max(v, 0f), 6f);
            case RELU_N1_TO_1:
                return Math.min(Math.max(v, -1f), 1f);
            default:
                throw new IllegalArgumentException("activation " + act + " is not fused into the sparse GEMM");
        }
    }
}
