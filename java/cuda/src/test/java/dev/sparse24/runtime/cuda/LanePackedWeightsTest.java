package dev.sparse24.runtime.cuda;

import dev.sparse24.runtime.HalfPrecision;

import dev.sparse24.sparse.CompressedWeights;
import dev.sparse24.testing.RandomWeights;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drives lane-packed weights through the mma.sp emulator the way the kernels do (each 32-row
 * block: tile 0 with sel 0, tile 1 with sel 1, one E register for both) and compares with a
 * plain double-precision dense product Y = X W^T.
 */
class LanePackedWeightsTest {

    @Test
    void packedTilesThroughTheEmulatorMatchDenseMatmulExactly() {
        Random rnd = new Random(2024);
        int[] rowCounts = {1, 3, 17, 32, 45};
        int[] colCounts = {1, 7, 32, 45, 130, 200};
        boolean[] seenCode = new boolean[16];
        for (HalfPrecision p : HalfPrecision.values()) {
            for (int m : rowCounts) {
                for (int k : colCounts) {
                    int n = 1 + rnd.nextInt(12);
                    // Small integers: exact in fp16/bf16, and every partial sum exact in fp32.
                    float[] w = random24(rnd, m, k, true);
                    float[] x = new float[n * k];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = rnd.nextInt(7) - 3;
                    }
                    CompressedWeights cw = CompressedWeights.compress(w, m, k);
                    for (int r = 0; r < m; r++) {
                        for (int gr = 0; gr < cw.groupsPerRow(); gr++) {
                            seenCode[cw.code(r, gr)] = true;
                        }
                    }
                    LanePackedWeights packed = LanePackedWeights.pack(cw, p);
                    float[] y = emulateGemm(packed, x, n, false);
                    double[] ref = denseReference(w, x, m, k, n);
                    for (int i = 0; i < ref.length; i++) {
                        assertEquals(ref[i], y[i], 0.0, p + " m=" + m + " k=" + k + " n=" + n + " at " + i);
                    }
                }
            }
        }
        for (int code : new int[]{0x4, 0x8, 0x9, 0xC, 0xD, 0xE}) {
            assertTrue(seenCode[code], "code " + code + " never exercised");
        }
    }

    @Test
    void gaussianValuesMatchWithinHalfPrecisionTolerance() {
        Random rnd = new Random(7);
        for (HalfPrecision p : HalfPrecision.values()) {
            int m = 40;
            int k = 300;
            int n = 9;
            float[] w = random24(rnd, m, k, false);
            float[] x = new float[n * k];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            LanePackedWeights packed = LanePackedWeights.pack(CompressedWeights.compress(w, m, k), p);
            float[] y = emulateGemm(packed, x, n, false);
            // Reference on the operands rounded to the kernel's precision, in double.
            float[] wr = w.clone();
            float[] xr = x.clone();
            for (int i = 0; i < wr.length; i++) {
                wr[i] = p.round(wr[i]);
            }
            for (int i = 0; i < xr.length; i++) {
                xr[i] = p.round(xr[i]);
            }
            double[] ref = denseReference(wr, xr, m, k, n);
            for (int i = 0; i < ref.length; i++) {
                assertEquals(ref[i], y[i], 1e-4 * (1 + Math.abs(ref[i])), p + " at " + i);
            }
        }
    }

    @Test
    void swappingTheSelectorBreaksTheResult() {
        // The test above must be able to fail: issuing tile 0 with sel 1 reads the other
        // lane pair's metadata and gives a different product.
        Random rnd = new Random(11);
        int m = 32;
        int k = 128;
        int n = 8;
        float[] w = random24(rnd, m, k, true);
        float[] x = new float[n * k];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextInt(7) - 3;
        }
        LanePackedWeights packed = LanePackedWeights.pack(CompressedWeights.compress(w, m, k), HalfPrecision.FP16);
        float[] y = emulateGemm(packed, x, n, true);
        double[] ref = denseReference(w, x, m, k, n);
        int differ = 0;
        for (int i = 0; i < ref.length; i++) {
            differ += ref[i] != y[i] ? 1 : 0;
        }
        assertTrue(differ > ref.length / 2, "only " + differ + " of " + ref.length + " differ");
    }

    @Test
    void paddingHoldsZeroValuesAndCode4() {
        float[] w = new float[3 * 5];
        for (int i = 0; i < w.length; i++) {
            if (i % 5 == 1 || i % 5 == 4) {
                w[i] = i + 1; // columns 1 and 4: group 0 keeps (1, x), group 1 keeps (0, x)
            }
        }
        LanePackedWeights p = LanePackedWeights.pack(CompressedWeights.compress(w, 3, 5), HalfPrecision.FP16);
        assertEquals(32, p.paddedRows());
        assertEquals(128, p.paddedCols());
        assertEquals(LanePackedWeights.VALUES_PER_BLOCK, p.values().length);
        assertEquals(LanePackedWeights.WORDS_PER_BLOCK, p.metadata().length);
        int nonZero = 0;
        for (short s : p.values()) {
            nonZero += s != 0 ? 1 : 0;
        }
        assertEquals(6, nonZero);
        // Lane 0 (g 0, sel 0, j 0) step 0: row 0 groups 0..3 in bits 15:0, row 8 (padding) above.
        int code0 = CompressedWeights.compress(w, 3, 5).code(0, 0);
        int code1 = CompressedWeights.compress(w, 3, 5).code(0, 1);
        assertEquals(0x4444_0000 | 0x4400 | code1 << 4 | code0, p.eRegister(0, 0, 0));
        // Every word of steps 1..3 and of lanes for rows >= 3 is all padding.
        for (int lane = 0; lane < 32; lane++) {
            for (int step = 1; step < 4; step++) {
                assertEquals(0x4444_4444, p.eRegister(0, step, lane));
            }
            if ((lane >> 2) >= 3 || ((lane >> 1) & 1) == 1 || (lane & 1) == 1) {
                assertEquals(0x4444_4444, p.eRegister(0, 0, lane), "lane " + lane);
            }
        }
        byte[] vb = p.valueBytes();
        assertEquals(2 * LanePackedWeights.VALUES_PER_BLOCK, vb.length);
        assertEquals(4 * LanePackedWeights.WORDS_PER_BLOCK, p.metadataBytes().length);
        // Row 0 of block 0: lane 0, tile 0, register 0 = compressed columns 0 and 1 = w[1], w[4].
        short lo = (short) ((vb[0] & 0xFF) | (vb[1] & 0xFF) << 8);
        short hi = (short) ((vb[2] & 0xFF) | (vb[3] & 0xFF) << 8);
        assertEquals(2f, HalfPrecision.FP16.toFloat(lo));
        assertEquals(0f, HalfPrecision.FP16.toFloat(hi)); // group 0 keeps (1, 2): column 2 is zero
        assertEquals(HalfPrecision.FP16, p.precision());
    }

    /**
     * Y [n, m] = X [n, k] W^T through the emulator: for each row block and 32-wide k step and
     * 8-wide n tile, tile 0 with sel 0 and tile 1 with sel 1 (or swapped, to show the test
     * can fail), accumulating in C.
     */
    static float[] emulateGemm(LanePackedWeights w, float[] x, int n, boolean swapSelectors) {
        HalfPrecision p = w.precision();
        int m = w.rows();
        int k = w.cols();
        float[] y = new float[n * m];
        int nTiles = (n + 7) / 8;
        int kSteps = w.paddedCols() / LanePackedWeights.K_STEP;
        for (int rb = 0; rb < w.rowBlocks(); rb++) {
            for (int nt = 0; nt < nTiles; nt++) {
                float[][] acc = new float[2][128];
                for (int ks = 0; ks < kSteps; ks++) {
                    int[] b = new int[128];
                    int[] e = new int[32];
                    for (int lane = 0; lane < 32; lane++) {
                        int g = lane >> 2;
                        int t = lane & 3;
                        for (int r = 0; r < 4; r++) {
                            int col = nt * 8 + g;
                            int kk = ks * 32 + 2 * t + 8 * r;
                            float lo = col < n && kk < k ? x[col * k + kk] : 0f;
                            float hi = col < n && kk + 1 < k ? x[col * k + kk + 1] : 0f;
                            b[lane * 4 + r] = MmaSpEmulatorTest.pack(p, lo, hi);
                        }
                        e[lane] = w.eRegister(rb, ks, lane);
                    }
                    for (int tile = 0; tile < 2; tile++) {
                        int[] a = new int[128];
                        for (int lane = 0; lane < 32; lane++) {
                            System.arraycopy(w.aFragment(rb, ks, tile, lane), 0, a, lane * 4, 4);
                        }
                        int sel = swapSelectors ? 1 - tile : tile;
                        acc[tile] = MmaSpEmulator.mmaSp(p, a, b, acc[tile], e, sel);
                    }
                }
                for (int tile = 0; tile < 2; tile++) {
                    for (int row = 0; row < 16; row++) {
                        for (int c = 0; c < 8; c++) {
                            int mm = rb * 32 + tile * 16 + row;
                            int nn = nt * 8 + c;
                            if (mm < m && nn < n) {
                                y[nn * m + mm] = acc[tile][MmaSpEmulator.dIndex(row, c)];
                            }
                        }
                    }
                }
            }
        }
        return y;
    }

    static double[] denseReference(float[] w, float[] x, int m, int k, int n) {
        double[] y = new double[n * m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                double s = 0;
                for (int kk = 0; kk < k; kk++) {
                    s += (double) x[i * k + kk] * w[j * k + kk];
                }
                y[i * m + j] = s;
            }
        }
        return y;
    }

    /** Random 2:4 matrix, every group with two non-zeros where the columns exist (all six codes occur). */
    static float[] random24(Random rnd, int rows, int cols, boolean integers) {
        return integers ? RandomWeights.twoFourIntegers(rnd, rows, cols) : RandomWeights.twoFour(rnd, rows, cols);
    }
}
