package dev.sparse24.runtime.cpu;

import dev.sparse24.graph.FusedActivation;
import dev.sparse24.sparse.CompressedWeights;
import dev.sparse24.tensor.Tensor;
import dev.sparse24.testing.RandomWeights;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Every native ISA level and kernel against {@link SparseGemmReference} on odd shapes. */
class SparseGemmTest {
    private static final int[] ROWS = {1, 3, 17};
    private static final int[] COLS = {4, 12, 3136, 7, 33};
    private static final int[] BATCH = {1, 2, 7, 64};

    /** Random 2:4 weights; about one group in eight keeps fewer than two non-zeros. */
    static CompressedWeights randomWeights(Random rnd, int rows, int cols) {
        return CompressedWeights.compress(RandomWeights.twoFourWithGaps(rnd, rows, cols), rows, cols);
    }

    static float[] randomArray(Random rnd, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = scale * (float) rnd.nextGaussian();
        }
        return a;
    }

    static List<Isa> nativeIsas() {
        List<Isa> l = new ArrayList<>();
        for (Isa i : new Isa[]{Isa.SCALAR, Isa.AVX2, Isa.AVX512}) {
            if (i.isSupported()) {
                l.add(i);
            }
        }
        return l;
    }

    /**
     * |y - ref| <= 1e-5 * (sum |w x| + |bias|): the relative error of a sum, measured against the
     * magnitude of its terms (the kernels add in a different order than the reference).
     */
    static void assertClose(CompressedWeights w, float[] bias, float[] x, int batch, float[] ref, float[] y,
                            String what) {
        float[] dense = w.decompress();
        int rows = w.rows();
        int cols = w.cols();
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < rows; r++) {
                double mag = bias == null ? 0 : Math.abs(bias[r]);
                for (int c = 0; c < cols; c++) {
                    mag += Math.abs((double) dense[r * cols + c] * x[b * cols + c]);
                }
                float e = ref[b * rows + r];
                float g = y[b * rows + r];
                if (!(Math.abs(e - g) <= 1e-5 * mag + 1e-30) && !(Float.isNaN(e) && Float.isNaN(g))) {
                    fail(what + ": y[" + b + ", " + r + "] expected " + e + ", given " + g + " (scale " + mag + ")");
                }
            }
        }
    }

    @Test
    void nativeLibraryLoadsHere() {
        assertTrue(NativeLibrary.available(), "native kernels failed to load: " + NativeLibrary.failure());
        assertTrue(Isa.best().compareTo(Isa.SCALAR) >= 0);
    }

    @Test
    void everyIsaAndKernelMatchesTheReferenceOnOddShapes() {
        Random rnd = new Random(24);
        FusedActivation[] acts = {FusedActivation.NONE, FusedActivation.RELU, FusedActivation.RELU6};
        int n = 0;
        for (int rows : ROWS) {
            for (int cols : COLS) {
                CompressedWeights w = randomWeights(rnd, rows, cols);
                float[] bias = randomArray(rnd, rows, 1f);
                for (int batch : BATCH) {
                    // Scaled so that RELU6 clips some outputs at 6.
                    float[] x = randomArray(rnd, batch * cols, 3f);
                    FusedActivation act = acts[n++ % acts.length];
                    float[] ref = new float[batch * rows];
                    SparseGemmReference.gemm(w, bias, act, x, 0, batch, ref, 0, 0, rows);
                    for (Isa isa : nativeIsas()) {
                        for (SparseGemm.Strategy st : SparseGemm.Strategy.values()) {
                            try (SparseGemm gemm = SparseGemm.builder(w).bias(bias).activation(act)
                                    .isa(isa).strategy(st).build()) {
                                float[] y = new float[batch * rows];
                                gemm.run(x, batch, y);
                                assertClose(w, bias, x, batch, ref, y, gemm + " batch " + batch);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void broadcastChunksAndRemaindersMatch() {
        // Batches that exercise every panel width: full 128-wide chunks, 5..8-vector and short tails.
        Random rnd = new Random(7);
        CompressedWeights w = randomWeights(rnd, 64, 800);
        for (int batch : new int[]{9, 16, 33, 100, 128, 200, 257}) {
            float[] x = randomArray(rnd, batch * 800, 1f);
            float[] ref = new float[batch * 64];
            SparseGemmReference.gemm(w, null, FusedActivation.NONE, x, 0, batch, ref, 0, 0, 64);
            for (Isa isa : nativeIsas()) {
                try (SparseGemm gemm = SparseGemm.builder(w).isa(isa).build()) {
                    float[] y = new float[batch * 64];
                    gemm.run(x, batch, y);
                    assertClose(w, null, x, batch, ref, y, gemm + " batch " + batch);
                }
            }
        }
    }

    @Test
    void manyRowsSpanSeveralRowSuperblocks() {
        // The broadcast kernels walk rows in superblocks whose partial-sum tile fits L2 (510 rows
        // at 128 lanes with AVX-512, 1024 at 32 lanes with AVX2): 2,101 rows give several full
        // superblocks, a short last one, and a register-block tail; 200 cols give several K-blocks,
        // the last one over a zero-padded window.
        Random rnd = new Random(19);
        CompressedWeights w = randomWeights(rnd, 2101, 200);
        float[] bias = randomArray(rnd, 2101, 1f);
        for (int batch : new int[]{130, 40}) {
            float[] x = randomArray(rnd, batch * 200, 1f);
            float[] ref = new float[batch * 2101];
            SparseGemmReference.gemm(w, bias, FusedActivation.RELU, x, 0, batch, ref, 0, 0, 2101);
            for (Isa isa : nativeIsas()) {
                try (SparseGemm gemm = SparseGemm.builder(w).isa(isa).bias(bias).activation(FusedActivation.RELU)
                        .build()) {
                    float[] y = new float[batch * 2101];
                    gemm.run(x, batch, y);
                    assertClose(w, bias, x, batch, ref, y, gemm + " batch " + batch);
                }
            }
        }
    }

    @Test
    void smallMaxBatchSkipsTheBlockedCopyAndLargerBatchesStillRunOnRowMajorWeights() {
        // maxBatch <= 8: AUTO never picks the broadcast kernel, so no K-blocked copy is built; a
        // larger batch then runs the broadcast kernel on the row-major weights - still exact.
        Random rnd = new Random(23);
        CompressedWeights w = randomWeights(rnd, 37, 200);
        float[] bias = randomArray(rnd, 37, 1f);
        for (int batch : new int[]{3, 64, 130}) {
            float[] x = randomArray(rnd, batch * 200, 1f);
            float[] ref = new float[batch * 37];
            SparseGemmReference.gemm(w, bias, FusedActivation.RELU6, x, 0, batch, ref, 0, 0, 37);
            for (Isa isa : nativeIsas()) {
                try (SparseGemm small = SparseGemm.builder(w).isa(isa).bias(bias).activation(FusedActivation.RELU6)
                        .maxBatch(SparseGemm.GATHER_MAX_BATCH).build();
                     SparseGemm large = SparseGemm.builder(w).isa(isa).bias(bias).activation(FusedActivation.RELU6)
                             .maxBatch(SparseGemm.GATHER_MAX_BATCH + 1).build()) {
                    assertTrue(!small.hasBlockedCopy(), small + " built a blocked copy for maxBatch 8");
                    assertEquals(isa == Isa.AVX512 || isa == Isa.AVX2, large.hasBlockedCopy(), large + " blocked copy");
                    for (SparseGemm g : new SparseGemm[]{small, large}) {
                        float[] y = new float[batch * 37];
                        g.run(x, batch, y);
                        assertClose(w, bias, x, batch, ref, y, g + " blocked " + g.hasBlockedCopy() + " batch " + batch);
                    }
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> SparseGemm.builder(w).maxBatch(0));
    }

    @Test
    void blockedCopyHoldsEveryRowsWindowsTwoByTwo() {
        // 3 rows x 5 windows (kp 160): blocks of windows {0,1}, {2,3}, {4}; the last block's
        // second half stays zero. Values and index words are numbered so a misplaced one shows.
        int rows = 3;
        int kp = 160;
        int wins = kp / 32;
        float[] pv = new float[rows * kp / 2];
        int[] pix = new int[rows * wins];
        for (int i = 0; i < pv.length; i++) {
            pv[i] = i + 1;
        }
        for (int i = 0; i < pix.length; i++) {
            pix[i] = 1000 + i;
        }
        float[] bv = new float[3 * rows * 32];
        int[] bix = new int[3 * rows * 2];
        SparseGemmPacking.block(pv, pix, rows, kp, bv, bix);
        for (int b = 0; b < 3; b++) {
            for (int r = 0; r < rows; r++) {
                for (int t = 0; t < 2; t++) {
                    int w = 2 * b + t;
                    int slot = (b * rows + r) * 2 + t;
                    for (int l = 0; l < 16; l++) {
                        float expected = w < wins ? pv[r * kp / 2 + 16 * w + l] : 0f;
                        assertEquals(expected, bv[16 * slot + l], "block " + b + " row " + r + " window " + w);
                    }
                    assertEquals(w < wins ? pix[r * wins + w] : 0, bix[slot], "word of row " + r + " window " + w);
                }
            }
        }
    }

    @Test
    void rowRangesSplitACall() {
        Random rnd = new Random(3);
        CompressedWeights w = randomWeights(rnd, 37, 100);
        for (int batch : new int[]{20, 130}) {
            Tensor x = Tensor.of(randomArray(rnd, batch * 100, 1f), batch, 100);
            for (Isa isa : nativeIsas()) {
                try (SparseGemm gemm = SparseGemm.builder(w).isa(isa).build()) {
                    Tensor whole = Tensor.zeros(batch, 37);
                    Tensor split = Tensor.zeros(batch, 37);
                    gemm.run(x, batch, whole);
                    gemm.runRows(x, batch, split, 0, 13);
                    gemm.runRows(x, batch, split, 13, 37);
                    assertEquals(java.util.Arrays.toString(whole.toArray()), java.util.Arrays.toString(split.toArray()));
                    // A range writes its own output columns and nothing else (the kernels store Y in
                    // 16-wide masked pieces; NaN marks what must stay untouched).
                    float[] marked = new float[batch * 37];
                    java.util.Arrays.fill(marked, Float.NaN);
                    Tensor part = Tensor.of(marked, batch, 37);
                    gemm.runRows(x, batch, part, 5, 30);
                    float[] got = part.toArray();
                    float[] want = whole.toArray();
                    for (int i = 0; i < got.length; i++) {
                        int col = i % 37;
                        if (col >= 5 && col < 30) {
                            assertEquals(want[i], got[i], gemm + " output " + i);
                        } else {
                            assertTrue(Float.isNaN(got[i]), gemm + " wrote output " + i + " outside rows [5, 30)");
                        }
                    }
                }
            }
        }
    }

    @Test
    void directBuffersAreUsedInPlace() {
        Random rnd = new Random(5);
        CompressedWeights w = randomWeights(rnd, 10, 40);
        int batch = 3;
        float[] x = randomArray(rnd, batch * 40, 1f);
        float[] ref = new float[batch * 10];
        SparseGemmReference.gemm(w, null, FusedActivation.NONE, x, 0, batch, ref, 0, 0, 10);
        FloatBuffer xb = ByteBuffer.allocateDirect(4 * x.length).order(ByteOrder.nativeOrder()).asFloatBuffer();
        xb.put(x).flip();
        FloatBuffer yb = ByteBuffer.allocateDirect(4 * ref.length).order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (Isa isa : nativeIsas()) {
            try (SparseGemm gemm = SparseGemm.builder(w).isa(isa).build()) {
                gemm.run(xb, batch, yb);
                float[] y = new float[ref.length];
                yb.duplicate().get(y);
                assertClose(w, null, x, batch, ref, y, gemm.toString());
            }
        }
    }

    @Test
    void nanAndInfPropagateAsIeeeThroughKeptSlots() {
        // Row 0 keeps column 0 (weight 2), row 1 keeps columns 1 and 2, row 2 keeps column 0 as an
        // explicit zero next to column 1 (0 * Inf = NaN), row 3 keeps columns 2 and 3.
        float[] dense = {
            2, 0, 0, 1,
            0, 1, 1, 0,
            0, 3, 0, 0,
            0, 0, 1, 1,
        };
        CompressedWeights w = CompressedWeights.compress(dense, 4, 4);
        float[][] inputs = {
            {Float.NaN, 1, 1, 1},
            {Float.POSITIVE_INFINITY, 1, 1, 1},
            {1, 1, Float.NEGATIVE_INFINITY, 1},
        };
        for (FusedActivation act : new FusedActivation[]{FusedActivation.NONE, FusedActivation.RELU,
                                                         FusedActivation.RELU6}) {
            for (float[] x : inputs) {
                float[] ref = new float[4];
                SparseGemmReference.gemm(w, null, act, x, 0, 1, ref, 0, 0, 4);
                for (Isa isa : nativeIsas()) {
                    for (SparseGemm.Strategy st : SparseGemm.Strategy.values()) {
                        try (SparseGemm gemm = SparseGemm.builder(w).activation(act).isa(isa).strategy(st).build()) {
                            float[] y = new float[4];
                            gemm.run(x, 1, y);
                            for (int r = 0; r < 4; r++) {
                                assertEquals(ref[r], y[r], 0f, gemm + " x " + java.util.Arrays.toString(x) + " row " + r);
                            }
                        }
                    }
                }
            }
        }
        // The reference itself: NaN stays NaN through ReLU; Inf clips to 6 through ReLU6.
        float[] y = new float[4];
        SparseGemmReference.gemm(w, null, FusedActivation.RELU, inputs[0], 0, 1, y, 0, 0, 4);
        assertTrue(Float.isNaN(y[0]));
        assertEquals(2f, y[1]);
        SparseGemmReference.gemm(w, null, FusedActivation.RELU6, inputs[1], 0, 1, y, 0, 0, 4);
        assertEquals(6f, y[0]);
    }

    @Test
    void wrongSizesAreRefusedBeforeNativeCode() {
        CompressedWeights w = randomWeights(new Random(1), 5, 12);
        try (SparseGemm gemm = SparseGemm.builder(w).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> gemm.run(new float[2 * 12 - 1], 2, new float[2 * 5]));
            assertTrue(e.getMessage().contains("24") && e.getMessage().contains("23"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> gemm.run(new float[24], 2, new float[9]));
            assertThrows(IllegalArgumentException.class, () -> gemm.run(new float[24], -1, new float[10]));
            assertThrows(IllegalArgumentException.class,
                    () -> gemm.runRows(Tensor.zeros(2, 12), 2, Tensor.zeros(2, 5), 3, 6));
            assertThrows(IllegalArgumentException.class,
                    () -> gemm.runRows(Tensor.zeros(2, 12), 2, Tensor.zeros(2, 5), 4, 2));
            assertThrows(IllegalArgumentException.class,
                    () -> gemm.run(Tensor.zeros(2, 11), 2, Tensor.zeros(2, 5)));
            assertThrows(IllegalArgumentException.class,
                    () -> gemm.run(FloatBuffer.allocate(24), 2, FloatBuffer.allocate(10)));
        }
        assertThrows(IllegalArgumentException.class, () -> SparseGemm.builder(w).bias(new float[4]));
        assertThrows(IllegalArgumentException.class, () -> SparseGemm.builder(w).activation(FusedActivation.TANH));
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseThrows() {
        CompressedWeights w = randomWeights(new Random(2), 4, 8);
        SparseGemm gemm = SparseGemm.builder(w).build();
        gemm.close();
        gemm.close();
        assertThrows(IllegalStateException.class, () -> gemm.run(new float[8], 1, new float[4]));
    }

    @Test
    void javaFallbackIsTheReference() {
        Random rnd = new Random(9);
        CompressedWeights w = randomWeights(rnd, 6, 20);
        float[] x = randomArray(rnd, 3 * 20, 1f);
        float[] ref = new float[18];
        SparseGemmReference.gemm(w, null, FusedActivation.RELU, x, 0, 3, ref, 0, 0, 6);
        try (SparseGemm gemm = SparseGemm.builder(w).activation(FusedActivation.RELU).isa(Isa.JAVA).build()) {
            float[] y = new float[18];
            gemm.run(x, 3, y);
            assertEquals(java.util.Arrays.toString(ref), java.util.Arrays.toString(y));
        }
    }

    @Test
    void emptyBatchIsANoOp() {
        CompressedWeights w = randomWeights(new Random(4), 4, 8);
        try (SparseGemm gemm = SparseGemm.builder(w).build()) {
            gemm.run(new float[0], 0, new float[0]);
            gemm.run(Tensor.zeros(1, 8), 0, Tensor.zeros(1, 4));
        }
    }

    @Test
    void threadsSharingOneLayerGetTheSingleThreadedResult() throws Exception {
        Random rnd = new Random(11);
        CompressedWeights w = randomWeights(rnd, 40, 96);
        float[] bias = randomArray(rnd, 40, 1f);
        int[] batches = {1, 5, 33};
        try (SparseGemm gemm = SparseGemm.builder(w).bias(bias).activation(FusedActivation.RELU).build()) {
            float[][] xs = new float[batches.length][];
            float[][] expected = new float[batches.length][];
            for (int i = 0; i < batches.length; i++) {
                xs[i] = randomArray(rnd, batches[i] * 96, 1f);
                expected[i] = new float[batches[i] * 40];
                gemm.run(xs[i], batches[i], expected[i]);
            }
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    fs.add(pool.submit(() -> {
                        for (int n = 0; n < 300; n++) {
                            int i = n % batches.length;
                            float[] y = new float[expected[i].length];
                            gemm.run(xs[i], batches[i], y);
                            if (!java.util.Arrays.equals(expected[i], y)) {
                                throw new AssertionError("run " + n + " differs from the single-threaded result");
                            }
                        }
                        return null;
                    }));
                }
                for (java.util.concurrent.Future<?> f : fs) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
        }
    }
}
