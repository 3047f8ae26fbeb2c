package dev.sparse24.runtime.cuda;

import dev.sparse24.runtime.HalfPrecision;

/**
 * What one warp-wide
 * {@code mma.sp::ordered_metadata.sync.aligned.m16n8k32.row.col.f32.{f16,bf16}.{f16,bf16}.f32
 * d, a, b, c, e, sel} computes, lane by lane, exactly as docs/mma-sp-layout.md states it. It lets the
 * host-side re-packing be tested without a GPU, and gives the GPU's first check (one mma.sp
 * with random metadata) its expected answer.
 *
 * <p>Fragments are arrays indexed {@code [lane * 4 + register]} (E: {@code [lane]}); in every
 * 32-bit register of A and B the low 16 bits hold the lower-index element. Lane L: g = L >> 2,
 * t = L & 3.
 * <ul>
 *   <li>A (compressed 16x16): register r holds row {@code g + 8*(r & 1)}, compressed columns
 *       {@code 2t + 8*(r >> 1) + h}; compressed column c is kept value p = c & 1 of dense
 *       chunk q = c >> 1 (dense k 4q..4q+3).</li>
 *   <li>B (32x8): register r holds k = {@code 2t + 8r + h}, column n = g.</li>
 *   <li>C, D (16x8 fp32): register r is row {@code g + 8*(r >> 1)}, column {@code 2t + (r & 1)}.</li>
 *   <li>E: A's element at (row, chunk q) is described by lane {@code 4*(row & 7) + 2*sel + (q >> 2)}
 *       at bit offset {@code 16*(row >> 3) + 4*(q & 3)}; code: idx0 = bits 1:0, idx1 = bits 3:2,
 *       which must be one of the ordered codes (anything else is undefined behaviour on the
 *       GPU, so the emulator refuses it).</li>
 * </ul>
 * D[row][n] = C[row][n] + sum over q, p of A(row, 2q+p) * B[4q + idx_p][n], computed here in
 * double (the GPU uses at least fp32; tests compare with a tolerance or use small integers).
 */
public final class MmaSpEmulator {
    private MmaSpEmulator() {
    }

    /**
     * Emulates one mma.sp m16n8k32.
     *
     * @param precision operand type of A and B
     * @param a         32 lanes x 4 registers of A (f16x2 / bf16x2)
     * @param b         32 lanes x 4 registers of B
     * @param c         32 lanes x 4 fp32 accumulators
     * @param e         32 lanes x 1 metadata register
     * @param sel       sparsity selector, 0 or 1
     * @return D, 32 lanes x 4 fp32 (rounded from the double sum)
     * @throws IllegalArgumentException on wrong array lengths, a selector other than 0/1, or a
     *                                  metadata code the hardware does not define
     */
    public static float[] mmaSp(HalfPrecision precision, int[] a, int[] b, float[] c, int[] e, int sel) {
        requireLength("A", a.length, 128);
        requireLength("B", b.length, 128);
        requireLength("C", c.length, 128);
        requireLength("E", e.length, 32);
        if (sel != 0 && sel != 1) {
            throw new IllegalArgumentException("sparsity selector must be 0 or 1, given " + sel);
        }
        float[] d = new float[128];
        for (int lane = 0; lane < 32; lane++) {
            int g = lane >> 2;
            int t = lane & 3;
            for (int r = 0; r < 4; r++) {
                int row = g + 8 * (r >> 1);
                int n = 2 * t + (r & 1);
                double sum = c[lane * 4 + r];
                for (int q = 0; q < 8; q++) {
                    int code = metadataCode(e, row, q, sel);
                    for (int p = 0; p < 2; p++) {
                        int idx = p == 0 ? code & 3 : code >> 2;
                        sum += (double) aElement(precision, a, row, 2 * q + p)
                                * bElement(precision, b, 4 * q + idx, n);
                    }
                }
                d[lane * 4 + r] = (float) sum;
            }
        }
        return d;
    }

    /** The 4-bit code describing A's (row, chunk q) for selector {@code sel}; validated. */
    public static int metadataCode(int[] e, int row, int q, int sel) {
        int lane = 4 * (row & 7) + 2 * sel + (q >> 2);
        int code = (e[lane] >>> (16 * (row >> 3) + 4 * (q & 3))) & 0xF;
        if ((code & 3) >= (code >> 2)) {
            throw new IllegalArgumentException(String.format(
                    "metadata code 0x%X for row %d, chunk %d (lane %d, sel %d) is undefined for "
                            + "ordered_metadata: expected one of 0x4, 0x8, 0x9, 0xC, 0xD, 0xE",
                    code, row, q, lane, sel));
        }
        return code;
    }

    /** A's compressed element (row 0..15, compressed column 0..15). */
    public static float aElement(HalfPrecision precision, int[] a, int row, int col) {
        int g = row & 7;
        int r = (row >> 3) | (col >> 3) << 1;
        int t = (col & 7) >> 1;
        return half(precision, a[(4 * g + t) * 4 + r], col & 1);
    }

    /** B's element (k 0..31, n 0..7). */
    public static float bElement(HalfPrecision precision, int[] b, int k, int n) {
        int t = (k & 7) >> 1;
        int r = k >> 3;
        return half(precision, b[(4 * n + t) * 4 + r], k & 1);
    }

    /** The lane and register holding D[row][n]: {@code lane * 4 + register}. */
    public static int dIndex(int row, int n) {
        return (4 * (row & 7) + (n >> 1)) * 4 + 2 * (row >> 3) + (n & 1);
    }

    private static float half(HalfPrecision precision, int reg, int h) {
        return precision.toFloat((short) (h == 0 ? reg : reg >>> 16));
    }

    private static void requireLength(String what, int given, int expected) {
        if (given != expected) {
            throw new IllegalArgumentException(what + " fragment must have " + expected
                    + " elements (32 lanes), given " + given);
        }
    }
}
