package dev.sparse24.bench.gpu;

import dev.sparse24.runtime.HalfPrecision;
import dev.sparse24.runtime.cuda.LanePackedWeights;
import dev.sparse24.runtime.cuda.MmaSpEmulator;
import dev.sparse24.runtime.cuda.SparseGemmPlan;
import dev.sparse24.sparse.CompressedWeights;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Writes the GPU workbench's test vectors, reproducibly from a seed, into a directory
 * ({@code vectors.bin} + {@code vectors.json}, see {@link VectorBundle}):
 * <ul>
 *   <li>{@code probe_{f16,bf16}_sel{0,1}}: fragments a, b, c, e of one warp-wide mma.sp with
 *       random metadata (the lane pair the selector ignores carries different valid codes, so
 *       reading the wrong pair shows as a mismatch, never as undefined behaviour) and d, the
 *       {@link MmaSpEmulator}'s answer. Small integers: the GPU must match exactly.</li>
 *   <li>GEMM cases: a random 2:4 W (dense fp32, already rounded to the operand precision), its
 *       portable form (values as 16-bit, metadata words), its lane-packed form
 *       ({@link LanePackedWeights}), X (16-bit, columns zero-padded to a multiple of 8), bias,
 *       and the float64 reference Y = X W^T (bias and activation are applied by the script).</li>
 *   <li>plans: {@link SparseGemmPlan#choose} for a grid of shapes and SM counts, so that the
 *       script's own plan() can be checked against it.</li>
 * </ul>
 * Usage: {@code WriteTestVectors OUT_DIR [SEED]}.
 */
public final class WriteTestVectors {
    private static final int[] CODES = {0x4, 0x8, 0x9, 0xC, 0xD, 0xE};

    private WriteTestVectors() {
    }

    /** One GEMM test case: sizes, operand precision, and whether values are small integers. */
    record GemmCase(String name, int m, int k, int n, HalfPrecision precision, boolean integers) {
    }

    /** The cases: odd sizes that need row/k padding, both kernels, both precisions. */
    static List<GemmCase> cases() {
        return List.of(
                new GemmCase("int_17x45_n3_f16", 17, 45, 3, HalfPrecision.FP16, true),
                new GemmCase("int_64x256_n33_bf16", 64, 256, 33, HalfPrecision.BF16, true),
                new GemmCase("int_40x136_n130_f16", 40, 136, 130, HalfPrecision.FP16, true),
                new GemmCase("rows1_k200_n1_f16", 1, 200, 1, HalfPrecision.FP16, false),
                new GemmCase("rows3_k130_n9_bf16", 3, 130, 9, HalfPrecision.BF16, false),
                new GemmCase("rows17_k45_n65_f16", 17, 45, 65, HalfPrecision.FP16, false),
                new GemmCase("mid_256x1024_n16_bf16", 256, 1024, 16, HalfPrecision.BF16, false),
                new GemmCase("mid_200x520_n300_f16", 200, 520, 300, HalfPrecision.FP16, false),
                new GemmCase("mid_384x2048_n64_f16", 384, 2048, 64, HalfPrecision.FP16, false));
    }

    /**
     * Writes the vectors.
     *
     * @param args OUT_DIR [SEED]
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: WriteTestVectors OUT_DIR [SEED]");
            System.exit(2);
        }
        long seed = args.length == 2 ? Long.parseLong(args[1]) : 24;
        Path out = Path.of(args[0]);
        write(out, seed);
        System.out.println("wrote " + out.resolve("vectors.bin") + " and vectors.json (seed " + seed + ")");
    }

    /** Writes all vectors for {@code seed} into {@code out}. */
    static void write(Path out, long seed) throws IOException {
        VectorBundle bundle = new VectorBundle();
        Random rnd = new Random(seed);
        bundle.section("seed", Long.toString(seed));
        List<String> probeNames = new ArrayList<>();
        for (HalfPrecision p : HalfPrecision.values()) {
            for (int sel = 0; sel < 2; sel++) {
                String name = "probe_" + p.kernelName() + "_sel" + sel;
                writeProbe(bundle, name, p, sel, rnd);
                probeNames.add("\"" + name + "\"");
            }
        }
        bundle.section("probes", "[" + String.join(", ", probeNames) + "]");
        List<String> caseJson = new ArrayList<>();
        for (GemmCase c : cases()) {
            caseJson.add(writeCase(bundle, c, rnd));
        }
        bundle.section("cases", "[\n    " + String.join(",\n    ", caseJson) + "\n  ]");
        bundle.section("plans", plansJson());
        bundle.write(out);
    }

    private static void writeProbe(VectorBundle bundle, String name, HalfPrecision p, int sel, Random rnd) {
        int[] a = new int[128];
        int[] b = new int[128];
        float[] c = new float[128];
        int[] e = new int[32];
        for (int i = 0; i < 128; i++) {
            a[i] = smallPair(p, rnd);
            b[i] = smallPair(p, rnd);
            c[i] = rnd.nextInt(17) - 8;
        }
        for (int lane = 0; lane < 32; lane++) {
            for (int nib = 0; nib < 8; nib++) {
                e[lane] |= CODES[rnd.nextInt(6)] << (4 * nib);
            }
        }
        float[] d = MmaSpEmulator.mmaSp(p, a, b, c, e, sel);
        bundle.putU32(name + ".a", a, 32, 4);
        bundle.putU32(name + ".b", b, 32, 4);
        bundle.putF32(name + ".c", c, 32, 4);
        bundle.putU32(name + ".e", e, 32);
        bundle.putF32(name + ".d", d, 32, 4);
    }

    private static int smallPair(HalfPrecision p, Random rnd) {
        return (p.fromFloat(rnd.nextInt(9) - 4) & 0xFFFF) | (p.fromFloat(rnd.nextInt(9) - 4) & 0xFFFF) << 16;
    }

    private static String writeCase(VectorBundle bundle, GemmCase c, Random rnd) {
        HalfPrecision p = c.precision();
        int m = c.m();
        int k = c.k();
        int n = c.n();
        float[] w = new float[m * k];
        for (int r = 0; r < m; r++) {
            for (int j = 0; 4 * j < k; j++) {
                int code = CODES[rnd.nextInt(6)];
                for (int col : new int[]{4 * j + (code & 3), 4 * j + (code >> 2)}) {
                    if (col < k) {
                        w[r * k + col] = p.round(value(rnd, c.integers(), 0.05));
                    }
                }
            }
        }
        int kx = (k + 7) / 8 * 8;
        short[] x = new short[n * kx];
        float[] xf = new float[n * k];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                float v = p.round(value(rnd, c.integers(), 1.0));
                xf[i * k + j] = v;
                x[i * kx + j] = p.fromFloat(v);
            }
        }
        float[] bias = new float[m];
        for (int i = 0; i < m; i++) {
            bias[i] = c.integers() ? rnd.nextInt(9) - 4 : (float) rnd.nextGaussian();
        }
        double[] y = new double[n * m];
        for (int i = 0; i < n; i++) {
            for (int r = 0; r < m; r++) {
                double s = 0;
                for (int j = 0; j < k; j++) {
                    s += (double) xf[i * k + j] * w[r * k + j];
                }
                y[i * m + r] = s;
            }
        }
        CompressedWeights cw = CompressedWeights.compress(w, m, k);
        float[] cv = cw.values();
        short[] portable = new short[cv.length];
        for (int i = 0; i < cv.length; i++) {
            portable[i] = p.fromFloat(cv[i]);
        }
        LanePackedWeights lp = LanePackedWeights.pack(cw, p);
        String nm = c.name();
        bundle.putF32(nm + ".w", w, m, k);
        bundle.putU16(nm + ".x", x, n, kx);
        bundle.putF32(nm + ".bias", bias, m);
        bundle.putU16(nm + ".values", portable, m, cw.paddedCols() / 2);
        bundle.putU32(nm + ".meta", cw.metadata(), cw.metadata().length);
        bundle.putU16(nm + ".wv", lp.values(), lp.values().length);
        bundle.putU32(nm + ".wm", lp.metadata(), lp.metadata().length);
        bundle.putF64(nm + ".y", y, n, m);
        return String.format(Locale.ROOT,
                "{\"name\": \"%s\", \"M\": %d, \"K\": %d, \"N\": %d, \"kx\": %d, \"precision\": \"%s\", "
                        + "\"integers\": %b, \"kChunks\": %d}",
                nm, m, k, n, kx, p.kernelName(), c.integers(), lp.kChunks());
    }

    private static float value(Random rnd, boolean integers, double scale) {
        if (integers) {
            int v = rnd.nextInt(4) + 1;
            return rnd.nextBoolean() ? v : -v;
        }
        return (float) (rnd.nextGaussian() * scale);
    }

    private static String plansJson() {
        int[] ms = {1, 17, 200, 4096, 8192, 11008};
        int[] ks = {45, 520, 4096, 8192, 11008};
        int[] ns = {1, 8, 9, 16, 32, 33, 64, 65, 256, 300, 4096};
        int[] sms = {108, 114, 132};
        List<String> rows = new ArrayList<>();
        for (int m : ms) {
            for (int k : ks) {
                for (int n : ns) {
                    for (int sm : sms) {
                        SparseGemmPlan p = SparseGemmPlan.choose(m, k, n, sm);
                        rows.add(String.format(Locale.ROOT,
                                "[%d, %d, %d, %d, \"%s\", %d, %d, %d, %d, %d, %d, %d, %d, %d, %d]",
                                m, k, n, sm, p.kernel().name(), p.nTile(), p.gridX(), p.gridY(), p.gridZ(),
                                p.threads(), p.sharedBytes(), p.splits(), p.unitsPerSplit(),
                                p.workspaceBytes(), p.counters()));
                    }
                }
            }
        }
        return "{\"columns\": [\"M\", \"K\", \"N\", \"sm\", \"kernel\", \"nTile\", \"gridX\", \"gridY\", "
                + "\"gridZ\", \"threads\", \"smem\", \"splits\", \"unitsPerSplit\", \"workspaceBytes\", "
                + "\"counters\"],\n    \"rows\": [\n      " + String.join(",\n      ", rows) + "]}";
    }
}
