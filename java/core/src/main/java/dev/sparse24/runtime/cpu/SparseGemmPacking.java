package dev.sparse24.runtime.cpu;

import dev.sparse24.sparse.CompressedWeights;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * 2:4 weights in the native kernels' off-heap layout (native/sparse_gemm_common.h), made once per
 * layer by {@link SparseGemm}: row-major kept values and index words for every kernel, plus -
 * when the broadcast kernels will run - a K-blocked copy of both. Owns that native memory until
 * {@link #close()}.
 */
final class SparseGemmPacking {
    /** [rows, kp/2] kept values (groups past the last column: 0.0). */
    final FloatPointer values;
    /** [rows, kp/32] words of sixteen 2-bit in-group indices. */
    final IntPointer indices;
    /** The K-blocked copy for the broadcast kernels ([blocks, rows, 32]), or null. */
    final FloatPointer blockedValues;
    /** [blocks, rows, 2], or null. */
    final IntPointer blockedIndices;

    /**
     * @param kp      columns rounded up to 32
     * @param blocked whether to build the K-blocked copy too (costs a second copy of the weights)
     */
    SparseGemmPacking(CompressedWeights weights, int kp, boolean blocked) {
        float[] pv = new float[Math.multiplyExact(weights.rows(), kp / 2)];
        int[] pix = new int[Math.multiplyExact(weights.rows(), kp / 32)];
        pack(weights, kp, pv, pix);
        values = new FloatPointer(pv);
        indices = new IntPointer(pix);
        if (blocked) {
            // The broadcast kernels stream their weights K-block by K-block; stored row-major
            // a row's share is kp*2 bytes from the next row's, and on 4096x4096 the AVX-512
            // kernel ran 1.3-1.6x slower, the AVX2 one 1.7-2.2x (native/README.md).
            int blocks = (kp / 32 + 1) / 2;
            float[] bv = new float[Math.multiplyExact(Math.multiplyExact(blocks, weights.rows()), 32)];
            int[] bix = new int[Math.multiplyExact(Math.multiplyExact(blocks, weights.rows()), 2)];
            block(pv, pix, weights.rows(), kp, bv, bix);
            blockedValues = new FloatPointer(bv);
            blockedIndices = new IntPointer(bix);
        } else {
            blockedValues = null;
            blockedIndices = null;
        }
    }

    /**
     * Re-packs the portable format into the kernel layout: pv [rows, kp/2] kept values (groups
     * past the last column: 0.0), pix [rows, kp/32] words of sixteen 2-bit in-group indices.
     */
    static void pack(CompressedWeights w, int kp, float[] pv, int[] pix) {
        int gpr = w.groupsPerRow();
        float[] values = w.values();
        int[] meta = w.metadata();
        int gprPacked = kp / 4;
        for (int r = 0; r < w.rows(); r++) {
            for (int j = 0; j < gprPacked; j++) {
                int code = 0x4; // padding group: indices 0 and 1, values 0
                if (j < gpr) {
                    long g = (long) r * gpr + j;
                    code = CompressedWeights.codeAt(meta, g);
                    pv[r * (kp / 2) + 2 * j] = values[(int) (2 * g)];
                    pv[r * (kp / 2) + 2 * j + 1] = values[(int) (2 * g + 1)];
                }
                int lane = 2 * (j & 7);
                pix[r * (kp / 32) + j / 8] |= (code & 3) << (2 * lane) | (code >>> 2) << (2 * lane + 2);
            }
        }
    }

    /**
     * The K-blocked copy of the packed weights that the broadcast kernels read
     * (sparse_gemm_common.h): blocks of two 32-column windows, each holding every row's 32 kept
     * values ({@code bv [blocks, rows, 32]}) and two index words ({@code bix [blocks, rows, 2]});
     * the second half of a last block of an odd window count stays zero and is never read.
     */
    static void block(float[] pv, int[] pix, int rows, int kp, float[] bv, int[] bix) {
        int wins = kp / 32;
        int blocks = (wins + 1) / 2;
        for (int b = 0; b < blocks; b++) {
            for (int r = 0; r < rows; r++) {
                for (int t = 0; t < 2 && 2 * b + t < wins; t++) {
                    int slot = (b * rows + r) * 2 + t;
                    System.arraycopy(pv, r * (kp / 2) + 16 * (2 * b + t), bv, 16 * slot, 16);
                    bix[slot] = pix[r * wins + 2 * b + t];
                }
            }
        }
    }

    /** Frees the native copies (the owner, SparseGemm, guarantees no call is in flight). */
    void close() {
        values.close();
        indices.close();
        if (blockedValues != null) {
            blockedValues.close();
            blockedIndices.close();
        }
    }
}
