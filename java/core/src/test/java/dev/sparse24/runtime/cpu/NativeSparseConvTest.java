package dev.sparse24.runtime.cpu;

import dev.sparse24.graph.DType;
import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.graph.Padding;
import dev.sparse24.graph.ShapeInference;
import dev.sparse24.ops.ReferenceEvaluator;
import dev.sparse24.sparse.CompressedWeights;
import dev.sparse24.tensor.Tensor;
import dev.sparse24.testing.Outputs;
import dev.sparse24.testing.RandomWeights;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The 2:4 direct convolution ({@code s24_sparse_conv}, native/sparse_conv_direct.h): its
 * scalar version and the AVX-512 one against the plain-Java reference evaluator on odd shapes -
 * 4 to 20 input channels, 1, 3, 17 and 64 output channels (a single channel after the pairs),
 * 1x1 to 5x5 and non-square filters, SAME and VALID, 1 to 17 rows (one or two row blocks) and
 * 1 to 40 pixels wide (one to three 16-pixel vectors), every fused activation - and through
 * the executor, where batches split over images or, below the worker count, output channels.
 */
class NativeSparseConvTest {
    /**
     * The kernel sums a channel's kept weights in another order than the reference (by 4-channel
     * block, then tap): over up to 250 products of unit-variance values that moves a float sum
     * by ~1e-5 of its magnitude, a few times the executor's usual 1e-5.
     */
    private static final double SUM_ORDER_TOLERANCE = 1e-4;

    private static Graph conv(Random r, int h, int w, int c, int o, int kh, int kw, Padding p, FusedActivation act,
                              boolean bias) {
        int oh = p.outputSize(h, kh, 1);
        int ow = p.outputSize(w, kw, 1);
        float[] dense = RandomWeights.twoFour(r, o, kh * kw * c);
        List<GraphTensor> t = new ArrayList<>();
        t.add(GraphTensor.activation("x", new int[]{-1, h, w, c}, DType.FLOAT32));
        t.add(GraphTensor.compressed("w", new int[]{o, kh, kw, c},
                CompressedWeights.compress(dense, o, kh * kw * c)));
        t.add(GraphTensor.constant("b", new int[]{o}, Tensor.of(Outputs.gaussian(r, o), o)));
        t.add(GraphTensor.activation("y", new int[]{-1, oh, ow, o}, DType.FLOAT32));
        return new Graph(t, List.of(new Operator(OpType.CONV_2D, new int[]{0, 1, bias ? 2 : -1}, new int[]{3},
                OpOptions.conv(p, 1, 1, 1, 1, act))), new int[]{0}, new int[]{3}, Map.of());
    }

    private static boolean avx512() {
        return NativeLibrary.available() && Isa.AVX512.isSupported();
    }

    @Test
    void scalarAndAvx512MatchTheReferenceOnOddShapes() {
        assumeTrue(NativeLibrary.available(), "native library not loaded");
        Random r = new Random(41);
        int cases = 0;
        for (int c : new int[]{4, 12, 20}) {
            for (int o : new int[]{1, 3, 17, 64}) {
                // h, w, kh, kw
                for (int[] geo : new int[][]{{14, 14, 5, 5}, {1, 1, 1, 1}, {3, 17, 3, 3}, {17, 40, 3, 2}, {9, 5, 2, 3},
                        {6, 33, 1, 1}}) {
                    for (Padding p : Padding.values()) {
                        if (p == Padding.VALID && (geo[2] > geo[0] || geo[3] > geo[1])) {
                            continue;
                        }
                        FusedActivation act = FusedActivation.values()[cases % FusedActivation.values().length];
                        Graph g = conv(r, geo[0], geo[1], c, o, geo[2], geo[3], p, act, cases % 4 != 0);
                        Operator op = g.operators().get(0);
                        ShapeInference shapes = ShapeInference.of(g);
                        int batch = new int[]{1, 3, 2}[cases % 3];
                        float[] x = Outputs.gaussian(r, batch * geo[0] * geo[1] * c);
                        float[] want = new ReferenceEvaluator(g).run(Tensor.of(x, batch, geo[0], geo[1], c)).toArray();
                        SparseConvStep step = new SparseConvStep(g, op, shapes);
                        try {
                            String what = "c=" + c + " o=" + o + " " + Arrays.toString(geo) + " " + p + " " + act
                                    + " batch " + batch;
                            double err = Outputs.relativeError(step.compute(x, batch, 0, 1 + cases % 3), want);
                            assertTrue(err < SUM_ORDER_TOLERANCE, "scalar " + what + ": error " + err);
                            if (avx512()) {
                                assertTrue(SparseConvStep.applies(g, op, shapes, Isa.AVX512), what);
                                err = Outputs.relativeError(step.compute(x, batch, Isa.AVX512.nativeLevel(), 1 + cases % 3), want);
                                assertTrue(err < SUM_ORDER_TOLERANCE, "AVX-512 " + what + ": error " + err);
                            }
                        } finally {
                            step.close();
                        }
                        cases++;
                    }
                }
            }
        }
        assertTrue(cases > 100, "cases " + cases);
    }

    @Test
    void theExecutorSplitsImagesOrChannelsAndMatchesTheReference() {
        assumeTrue(avx512(), "needs AVX-512");
        Random r = new Random(42);
        // 64 channels: a batch of 1 on 2 or 3 workers splits them; 17: too few to split.
        for (int o : new int[]{64, 17}) {
            Graph g = conv(r, 14, 14, 32, o, 5, 5, Padding.SAME, FusedActivation.RELU, true);
            assertTrue(SparseConvStep.applies(g, g.operators().get(0), ShapeInference.of(g), Isa.AVX512));
            CpuExecutorTest.assertMatchesReference(g, 43);
            float[] x = Outputs.gaussian(r, 14 * 14 * 32);
            float[] want = new ReferenceEvaluator(g).run(Tensor.of(x, 1, 14, 14, 32)).toArray();
            try (CpuExecutor e = new CpuExecutor(g, 3, 4, Isa.AVX512)) {
                float[] got = new float[want.length];
                e.run(new FloatBuffer[]{FloatBuffer.wrap(x)}, 1, new FloatBuffer[]{FloatBuffer.wrap(got)});
                assertTrue(Outputs.relativeError(got, want) < SUM_ORDER_TOLERANCE, "o=" + o);
            }
        }
    }

    @Test
    void onlyStrideOneConvsWithChannelsInFoursAndNarrowRowsRunHere() {
        Random r = new Random(44);
        Graph ok = conv(r, 8, 8, 8, 8, 3, 3, Padding.SAME, FusedActivation.NONE, true);
        assertEquals(avx512(), SparseConvStep.applies(ok, ok.operators().get(0), ShapeInference.of(ok), Isa.AVX512));
        assertFalse(SparseConvStep.applies(ok, ok.operators().get(0), ShapeInference.of(ok), Isa.AVX2));
        assertFalse(SparseConvStep.applies(ok, ok.operators().get(0), ShapeInference.of(ok), Isa.JAVA));
        // 65 pixels wide: a row stride of 80 > 64, so im2col + GEMM (and still right).
        Graph wide = conv(r, 3, 65, 4, 8, 3, 3, Padding.SAME, FusedActivation.RELU, true);
        assertFalse(SparseConvStep.applies(wide, wide.operators().get(0), ShapeInference.of(wide), Isa.AVX512));
        CpuExecutorTest.assertMatchesReference(wide, 45);
        // Input channels not a multiple of 4: groups straddle taps.
        List<GraphTensor> t = new ArrayList<>();
        t.add(GraphTensor.activation("x", new int[]{-1, 6, 6, 6}, DType.FLOAT32));
        t.add(GraphTensor.compressed("w", new int[]{8, 2, 2, 6},
                CompressedWeights.compress(RandomWeights.twoFour(r, 8, 24), 8, 24)));
        t.add(GraphTensor.activation("y", new int[]{-1, 6, 6, 8}, DType.FLOAT32));
        Graph odd = new Graph(t, List.of(new Operator(OpType.CONV_2D, new int[]{0, 1, -1}, new int[]{2},
                OpOptions.conv(Padding.SAME, 1, 1, 1, 1, FusedActivation.NONE))), new int[]{0}, new int[]{2}, Map.of());
        assertFalse(SparseConvStep.applies(odd, odd.operators().get(0), ShapeInference.of(odd), Isa.AVX512));
        CpuExecutorTest.assertMatchesReference(odd, 46);
    }

    @Test
    void aNaNReachesExactlyTheOutputsWhoseKeptWeightsMultiplyIt() {
        assumeTrue(NativeLibrary.available(), "native library not loaded");
        Graph g = conv(new Random(47), 5, 5, 4, 17, 3, 3, Padding.SAME, FusedActivation.RELU, true);
        CompressedWeights w = g.tensor(1).compressedValues();
        float[] x = Outputs.gaussian(new Random(48), 100);
        x[48] = Float.NaN;                 // pixel (2, 2), channel 0
        float[] inf = x.clone();
        inf[48] = 1f;
        inf[1] = Float.POSITIVE_INFINITY;  // pixel (0, 0), channel 1
        SparseConvStep step = new SparseConvStep(g, g.operators().get(0), ShapeInference.of(g));
        try {
            for (int level : avx512() ? new int[]{0, Isa.AVX512.nativeLevel()} : new int[]{0}) {
                float[] got = step.compute(x, 1, level, 1);
                float[] gotInf = step.compute(inf, 1, level, 1);
                int nans = 0;
                int infinities = 0;
                for (int oy = 0; oy < 5; oy++) {
                    for (int ox = 0; ox < 5; ox++) {
                        for (int f = 0; f < 17; f++) {
                            // Pruned weights are absent (no 0 * NaN): NaN iff a kept weight of
                            // channel 0 sits on the tap that reads pixel (2, 2); padding 1.
                            boolean nan = keeps(w, f, 2 - oy + 1, 2 - ox + 1, 0);
                            int at = (oy * 5 + ox) * 17 + f;
                            assertEquals(nan, Float.isNaN(got[at]), "level " + level + " (" + oy + ", " + ox + ", " + f + ")");
                            // One infinity and finite rest: +-Inf (ReLU: +Inf or 0) where a kept weight reads it.
                            if (keeps(w, f, 0 - oy + 1, 0 - ox + 1, 1)) {
                                assertTrue(Float.isInfinite(gotInf[at]) || gotInf[at] == 0f, "level " + level + " at " + at);
                                infinities += Float.isInfinite(gotInf[at]) ? 1 : 0;
                            } else {
                                assertTrue(Float.isFinite(gotInf[at]), "level " + level + " at " + at);
                            }
                            nans += nan ? 1 : 0;
                        }
                    }
                }
                assertTrue(nans > 0 && infinities > 0, "the test reaches both: " + nans + ", " + infinities);
            }
        } finally {
            step.close();
        }
    }

    /** Whether output channel f keeps the weight of tap (i, j), input channel ch (4 channels, 3x3). */
    private static boolean keeps(CompressedWeights w, int f, int i, int j, int ch) {
        if (i < 0 || i >= 3 || j < 0 || j >= 3) {
            return false;
        }
        int k = (i * 3 + j) * 4 + ch;
        int code = w.code(f, k / 4);
        return (code & 3) == k % 4 || code >> 2 == k % 4;
    }
}
