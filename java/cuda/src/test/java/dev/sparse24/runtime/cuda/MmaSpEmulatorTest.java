package dev.sparse24.runtime.cuda;

import dev.sparse24.runtime.HalfPrecision;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MmaSpEmulatorTest {
    private static final int[] CODES = {0x4, 0x8, 0x9, 0xC, 0xD, 0xE};

    /**
     * Builds fragments from a dense 16x32 A (2:4 per chunk), a 32x8 B and a 16x8 C using the
     * "in dense terms" wording of docs/mma-sp-layout.md (registers 0/1: chunk t of rows g / g+8,
     * registers 2/3: chunk t+4), and checks D against a plain dense product for both
     * selectors, with small integers so that every sum is exact.
     */
    @Test
    void matchesDenseProductForBothSelectorsOnSmallIntegers() {
        Random rnd = new Random(5);
        for (HalfPrecision p : HalfPrecision.values()) {
            for (int sel = 0; sel < 2; sel++) {
                for (int trial = 0; trial < 20; trial++) {
                    int[][] code = new int[16][8];
                    double[][] dense = new double[16][32];
                    int[] a = new int[128];
                    for (int row = 0; row < 16; row++) {
                        for (int q = 0; q < 8; q++) {
                            code[row][q] = CODES[rnd.nextInt(6)];
                            int v0 = rnd.nextInt(9) - 4;
                            int v1 = rnd.nextInt(9) - 4;
                            dense[row][4 * q + (code[row][q] & 3)] = v0;
                            dense[row][4 * q + (code[row][q] >> 2)] = v1;
                            // chunk q = t (+4 for registers 2/3) of row g (+8 for odd registers)
                            int g = row & 7;
                            int t = q & 3;
                            int r = (row >> 3) + 2 * (q >> 2);
                            a[(4 * g + t) * 4 + r] = pack(p, v0, v1);
                        }
                    }
                    int[] b = new int[128];
                    double[][] bDense = new double[32][8];
                    for (int k = 0; k < 32; k += 2) {
                        for (int n = 0; n < 8; n++) {
                            int lo = rnd.nextInt(9) - 4;
                            int hi = rnd.nextInt(9) - 4;
                            bDense[k][n] = lo;
                            bDense[k + 1][n] = hi;
                            int t = (k % 8) / 2;
                            b[(4 * n + t) * 4 + k / 8] = pack(p, lo, hi);
                        }
                    }
                    float[] c = new float[128];
                    double[][] cDense = new double[16][8];
                    for (int lane = 0; lane < 32; lane++) {
                        for (int r = 0; r < 4; r++) {
                            int v = rnd.nextInt(21) - 10;
                            c[lane * 4 + r] = v;
                            cDense[(lane >> 2) + 8 * (r >> 1)][2 * (lane & 3) + (r & 1)] = v;
                        }
                    }
                    // E per the "plainly" wording: lane 4g + 2*sel + j, bits [15:0] row g,
                    // [31:16] row g+8, nibble c = chunk 4j + c. Other pair gets garbage that
                    // the selector must ignore (invalid codes would throw if read).
                    int[] e = new int[32];
                    for (int lane = 0; lane < 32; lane++) {
                        int g = lane >> 2;
                        if (((lane >> 1) & 1) != sel) {
                            e[lane] = 0xF0F0_5A5A;
                            continue;
                        }
                        int j = lane & 1;
                        for (int cc = 0; cc < 4; cc++) {
                            e[lane] |= code[g][4 * j + cc] << (4 * cc) | code[g + 8][4 * j + cc] << (16 + 4 * cc);
                        }
                    }
                    float[] d = MmaSpEmulator.mmaSp(p, a, b, c, e, sel);
                    for (int row = 0; row < 16; row++) {
                        for (int n = 0; n < 8; n++) {
                            double expect = cDense[row][n];
                            for (int k = 0; k < 32; k++) {
                                expect += dense[row][k] * bDense[k][n];
                            }
                            assertEquals(expect, d[MmaSpEmulator.dIndex(row, n)], 0.0,
                                    p + " sel " + sel + " row " + row + " n " + n);
                        }
                    }
                }
            }
        }
    }

    @Test
    void singleNonZeroLandsWhereTheLayoutSays() {
        // A(row 9, compressed col 13) = 2: lane 4*1 + 2 = 6, register 1 | 1<<1 = 3, high half.
        // Chunk q = 6, kept p = 1; code 0xD for that chunk -> dense k = 24 + 3 = 27.
        // B(27, n=5) = 3: lane 4*5 + 1 = 21, register 3, high half. D(9, 5) = 6 at lane 4*1+2, reg 3.
        HalfPrecision p = HalfPrecision.FP16;
        int[] a = new int[128];
        a[6 * 4 + 3] = pack(p, 0, 2);
        int[] b = new int[128];
        b[21 * 4 + 3] = pack(p, 0, 3);
        int[] e = new int[32];
        java.util.Arrays.fill(e, 0x4444_4444);
        // Row 9 = g 1, high half; chunk 6 = j 1, nibble 2 -> lane 4*1 + 2*sel + 1, bits 24..27.
        for (int sel = 0; sel < 2; sel++) {
            int[] es = e.clone();
            es[4 + 2 * sel + 1] = 0x4444_4444 & ~(0xF << 24) | 0xD << 24;
            float[] d = MmaSpEmulator.mmaSp(p, a, b, new float[128], es, sel);
            for (int i = 0; i < 128; i++) {
                assertEquals(i == 6 * 4 + 3 ? 6f : 0f, d[i], "index " + i + " sel " + sel);
            }
            assertEquals(6 * 4 + 3, MmaSpEmulator.dIndex(9, 5));
        }
    }

    @Test
    void refusesUndefinedCodesAndSelectors() {
        int[] e = new int[32];
        java.util.Arrays.fill(e, 0x4444_4444);
        int[] bad = e.clone();
        bad[0] = 0x4444_4440; // code 0x0 for row 0, chunk 0 under sel 0
        assertThrows(IllegalArgumentException.class,
                () -> MmaSpEmulator.mmaSp(HalfPrecision.FP16, new int[128], new int[128], new float[128], bad, 0));
        // The same garbage is ignored under sel 1 (lanes 2,3 of each quad are read instead).
        MmaSpEmulator.mmaSp(HalfPrecision.FP16, new int[128], new int[128], new float[128], bad, 1);
        assertThrows(IllegalArgumentException.class,
                () -> MmaSpEmulator.mmaSp(HalfPrecision.FP16, new int[128], new int[128], new float[128], e, 2));
        assertThrows(IllegalArgumentException.class,
                () -> MmaSpEmulator.mmaSp(HalfPrecision.BF16, new int[127], new int[128], new float[128], e, 0));
    }

    static int pack(HalfPrecision p, float lo, float hi) {
        return (p.fromFloat(lo) & 0xFFFF) | (p.fromFloat(hi) & 0xFFFF) << 16;
    }
}
