package dev.sparse24.bench.gpu;

import dev.sparse24.runtime.HalfPrecision;
import dev.sparse24.runtime.cuda.MmaSpEmulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WriteTestVectorsTest {

    @Test
    void sameSeedGivesIdenticalBytesAndAnotherSeedDoesNot(@TempDir Path dir) throws IOException {
        WriteTestVectors.write(dir.resolve("a"), 7);
        WriteTestVectors.write(dir.resolve("b"), 7);
        WriteTestVectors.write(dir.resolve("c"), 8);
        byte[] a = Files.readAllBytes(dir.resolve("a/vectors.bin"));
        assertArrayEquals(a, Files.readAllBytes(dir.resolve("b/vectors.bin")));
        assertEquals(Files.readString(dir.resolve("a/vectors.json")), Files.readString(dir.resolve("b/vectors.json")));
        assertFalse(java.util.Arrays.equals(a, Files.readAllBytes(dir.resolve("c/vectors.bin"))));
        assertTrue(a.length < 16 << 20, "vectors stay small: " + a.length);
    }

    @Test
    void probeAnswerIsTheEmulatorsAndTheFilesAreConsistent(@TempDir Path dir) throws IOException {
        WriteTestVectors.write(dir, 3);
        String json = Files.readString(dir.resolve("vectors.json"));
        ByteBuffer bin = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("vectors.bin"))).order(ByteOrder.LITTLE_ENDIAN);
        int[] a = ints(json, bin, "probe_bf16_sel1.a");
        int[] b = ints(json, bin, "probe_bf16_sel1.b");
        int[] e = ints(json, bin, "probe_bf16_sel1.e");
        float[] c = floats(json, bin, "probe_bf16_sel1.c");
        float[] d = floats(json, bin, "probe_bf16_sel1.d");
        assertArrayEquals(MmaSpEmulator.mmaSp(HalfPrecision.BF16, a, b, c, e, 1), d);
        // Sel 0 on the same fragments reads other lanes' (different, valid) codes: another answer.
        assertFalse(java.util.Arrays.equals(d, MmaSpEmulator.mmaSp(HalfPrecision.BF16, a, b, c, e, 0)));
    }

    /**
     * Each probe's d against an independent reference: the fragments decoded into dense A
     * (16 x 32), B (32 x 8) and C (16 x 8) with the lane formulas of docs/mma-sp-layout.md,
     * written out here (not the emulator's code), and D = C + A B in float64. Small integers,
     * so the sums are exact and d must match bit for bit.
     */
    @Test
    void probeAnswersEqualADenseFloat64ProductOfTheDecodedFragments(@TempDir Path dir) throws IOException {
        WriteTestVectors.write(dir, 5);
        String json = Files.readString(dir.resolve("vectors.json"));
        ByteBuffer bin = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("vectors.bin"))).order(ByteOrder.LITTLE_ENDIAN);
        for (String kind : new String[] {"f16", "bf16"}) {
            for (int sel = 0; sel < 2; sel++) {
                String name = "probe_" + kind + "_sel" + sel;
                int[] a = ints(json, bin, name + ".a");
                int[] b = ints(json, bin, name + ".b");
                int[] e = ints(json, bin, name + ".e");
                float[] c = floats(json, bin, name + ".c");
                float[] d = floats(json, bin, name + ".d");
                boolean bf16 = kind.equals("bf16");
                double[][] dA = new double[16][32];
                double[][] dB = new double[32][8];
                double[][] dC = new double[16][8];
                int kept = 0;
                for (int lane = 0; lane < 32; lane++) {
                    int g = lane >> 2;
                    int t = lane & 3;
                    for (int r = 0; r < 4; r++) {
                        for (int h = 0; h < 2; h++) {
                            int row = g + 8 * (r & 1);
                            int col = 2 * t + 8 * (r >> 1) + h; // compressed column
                            int q = col >> 1;
                            int p = col & 1;
                            int metaLane = 4 * (row & 7) + 2 * sel + (q >> 2);
                            int code = (e[metaLane] >>> (16 * (row >> 3) + 4 * (q & 3))) & 0xF;
                            assertTrue(code == 0x4 || code == 0x8 || code == 0x9 || code == 0xC || code == 0xD
                                    || code == 0xE, name + ": ordered code " + code);
                            int denseK = 4 * q + (p == 0 ? code & 3 : code >> 2);
                            dA[row][denseK] = half(a[lane * 4 + r] >>> (16 * h), bf16);
                            kept++;
                            dB[2 * t + 8 * r + h][g] = half(b[lane * 4 + r] >>> (16 * h), bf16);
                        }
                        dC[g + 8 * (r >> 1)][2 * t + (r & 1)] = c[lane * 4 + r];
                    }
                }
                assertEquals(16 * 16, kept);
                for (int lane = 0; lane < 32; lane++) {
                    for (int r = 0; r < 4; r++) {
                        int row = (lane >> 2) + 8 * (r >> 1);
                        int col = 2 * (lane & 3) + (r & 1);
                        double want = dC[row][col];
                        for (int k = 0; k < 32; k++) {
                            want += dA[row][k] * dB[k][col];
                        }
                        assertEquals((float) want, d[lane * 4 + r], name + " D[" + row + "][" + col + "]");
                    }
                }
            }
        }
    }

    /**
     * Each GEMM case's portable weights decode (format.md's nibble stream, read here from the
     * file's bytes) to exactly its dense W, and its y equals X W^T computed here in float64.
     */
    @Test
    void gemmCasesPortableFormAndReferenceAgreeWithTheDenseWeights(@TempDir Path dir) throws IOException {
        WriteTestVectors.write(dir, 6);
        String json = Files.readString(dir.resolve("vectors.json"));
        ByteBuffer bin = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("vectors.bin"))).order(ByteOrder.LITTLE_ENDIAN);
        for (WriteTestVectors.GemmCase gc : WriteTestVectors.cases()) {
            String nm = gc.name();
            int m = gc.m();
            int k = gc.k();
            int n = gc.n();
            boolean bf16 = gc.precision() == HalfPrecision.BF16;
            float[] w = floats(json, bin, nm + ".w");
            int[] at = locate(json, nm + ".values");
            int groups = (k + 3) / 4;
            int[] meta = ints(json, bin, nm + ".meta");
            float[] decoded = new float[m * k];
            for (int r = 0; r < m; r++) {
                for (int j = 0; j < groups; j++) {
                    int gi = r * groups + j;
                    int code = (meta[gi / 8] >>> (4 * (gi % 8))) & 0xF;
                    int[] cols = {4 * j + (code & 3), 4 * j + (code >> 2)};
                    for (int p = 0; p < 2; p++) {
                        int bits = bin.getShort(at[0] + 2 * (r * 2 * groups + 2 * j + p)) & 0xFFFF;
                        if (cols[p] < k) {
                            decoded[r * k + cols[p]] = (float) half(bits, bf16);
                        } else {
                            assertEquals(0, bits & 0x7FFF, nm + ": padding value is zero");
                        }
                    }
                }
            }
            assertArrayEquals(w, decoded, nm + ": decoded portable form");
            int kx = (k + 7) / 8 * 8;
            int[] xAt = locate(json, nm + ".x");
            int[] yAt = locate(json, nm + ".y");
            for (int i = 0; i < n; i++) {
                for (int r = 0; r < m; r++) {
                    double s = 0;
                    for (int j = 0; j < k; j++) {
                        s += half(bin.getShort(xAt[0] + 2 * (i * kx + j)) & 0xFFFF, bf16) * decoded[r * k + j];
                    }
                    double y = bin.getDouble(yAt[0] + 8 * (i * m + r));
                    assertEquals(s, y, 1e-12 * Math.max(1, Math.abs(s)), nm + " y[" + i + "][" + r + "]");
                }
            }
        }
    }

    /** A 16-bit float decoded here, independently of HalfPrecision: bf16 is the top of a float32; fp16 is IEEE binary16. */
    private static double half(int bits16, boolean bf16) {
        int bits = bits16 & 0xFFFF;
        if (bf16) {
            return Float.intBitsToFloat(bits << 16);
        }
        int sign = (bits >> 15) != 0 ? -1 : 1;
        int exp = (bits >> 10) & 0x1F;
        int frac = bits & 0x3FF;
        if (exp == 0x1F) {
            return frac == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
        }
        return exp == 0 ? sign * Math.scalb((double) frac, -24) : sign * Math.scalb(1024.0 + frac, exp - 25);
    }

    private static int[] ints(String json, ByteBuffer bin, String name) {
        int[] at = locate(json, name);
        int[] v = new int[at[1] / 4];
        for (int i = 0; i < v.length; i++) {
            v[i] = bin.getInt(at[0] + 4 * i);
        }
        return v;
    }

    private static float[] floats(String json, ByteBuffer bin, String name) {
        int[] at = locate(json, name);
        float[] v = new float[at[1] / 4];
        for (int i = 0; i < v.length; i++) {
            v[i] = bin.getFloat(at[0] + 4 * i);
        }
        return v;
    }

    private static int[] locate(String json, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\": \\{[^}]*\"offset\": (\\d+), \"bytes\": (\\d+)\\}")
                .matcher(json);
        assertTrue(m.find(), name + " in vectors.json");
        return new int[]{Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }
}
