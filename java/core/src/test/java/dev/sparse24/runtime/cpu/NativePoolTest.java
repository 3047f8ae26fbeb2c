package dev.sparse24.runtime.cpu;

import dev.sparse24.graph.DType;
import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.graph.Padding;
import dev.sparse24.ops.ReferenceEvaluator;
import dev.sparse24.tensor.Tensor;
import dev.sparse24.testing.Outputs;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The native pooling kernel ({@code s24_pool}, conv_helpers.h) against the plain-Java reference
 * (ops.Pooling through ReferenceEvaluator), value for value: odd sizes, channel counts below,
 * at and above its 64-accumulator block (1, 3, 17, 64, 67, 130), windows larger than the input,
 * SAME and VALID, strides, every activation it fuses, and NaN propagation.
 */
class NativePoolTest {
    private static Graph pool(OpType type, int h, int w, int c, int fh, int fw, int sh, int sw, Padding p,
                              FusedActivation act) {
        int oh = p.outputSize(h, fh, sh);
        int ow = p.outputSize(w, fw, sw);
        return new Graph(List.of(GraphTensor.activation("x", new int[]{-1, h, w, c}, DType.FLOAT32),
                GraphTensor.activation("y", new int[]{-1, oh, ow, c}, DType.FLOAT32)),
                List.of(new Operator(type, new int[]{0}, new int[]{1}, OpOptions.pool(p, sh, sw, fh, fw, act))),
                new int[]{0}, new int[]{1}, Map.of());
    }

    private static float[] runNative(Graph g, float[] x, int batch) {
        try (CpuExecutor e = new CpuExecutor(g, 1, batch, Isa.best())) {
            int out = dev.sparse24.graph.ShapeInference.of(g).sampleSize(1);
            float[] y = new float[batch * out];
            e.run(new FloatBuffer[]{FloatBuffer.wrap(x)}, batch, new FloatBuffer[]{FloatBuffer.wrap(y)});
            return y;
        }
    }

    private static void assertSame(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            boolean ok = Float.isNaN(want[i]) ? Float.isNaN(got[i]) : want[i] == got[i];
            assertTrue(ok, what + ": value " + i + " want " + want[i] + " got " + got[i]);
        }
    }

    @Test
    void matchesTheReferenceOnOddShapes() {
        org.junit.jupiter.api.Assumptions.assumeTrue(NativeLibrary.available(), "native library not loaded");
        Random r = new Random(5);
        int cases = 0;
        for (OpType type : new OpType[]{OpType.MAX_POOL_2D, OpType.AVERAGE_POOL_2D}) {
            for (int c : new int[]{1, 3, 17, 64, 67, 130}) {
                for (int[] s : new int[][]{{1, 1, 1, 1, 1, 1}, {7, 5, 2, 2, 2, 2}, {3, 17, 3, 3, 1, 2},
                        {4, 3, 9, 9, 1, 1}, {13, 11, 3, 2, 2, 3}}) {
                    for (Padding p : Padding.values()) {
                        if (p == Padding.VALID && (s[2] > s[0] || s[3] > s[1])) {
                            continue;  // no output
                        }
                        FusedActivation act = FusedActivation.values()[cases % 4];  // NONE, RELU, RELU_N1_TO_1, RELU6
                        Graph g = pool(type, s[0], s[1], c, s[2], s[3], s[4], s[5], p, act);
                        int batch = 1 + cases % 3;
                        float[] x = Outputs.gaussian(r, batch * s[0] * s[1] * c);
                        float[] want = new ReferenceEvaluator(g).run(Tensor.of(x, batch, s[0], s[1], c)).toArray();
                        assertSame(want, runNative(g, x, batch), type + " c=" + c + " " + java.util.Arrays.toString(s)
                                + " " + p + " " + act + " batch " + batch);
                        cases++;
                    }
                }
            }
        }
        assertTrue(cases > 80, "cases " + cases);
    }

    @Test
    void maxPoolingPropagatesNaNAsTheReferenceDoes() {
        org.junit.jupiter.api.Assumptions.assumeTrue(NativeLibrary.available(), "native library not loaded");
        for (int c : new int[]{3, 16}) {  // the general loop and the 16-channel vector path
            Graph g = pool(OpType.MAX_POOL_2D, 4, 4, c, 2, 2, 2, 2, Padding.VALID, FusedActivation.RELU);
            float[] x = Outputs.gaussian(new Random(6), 16 * c);
            x[0] = Float.NaN;                  // first cell of window (0, 0), channel 0
            x[c * 5 + 1] = Float.NaN;          // cell (1, 1), channel 1: last of window (0, 0)
            x[c * 10 + 2] = Float.POSITIVE_INFINITY;
            x[c * 15 + 2] = -0f;               // ReLU turns -0 into +0, as the reference does
            float[] want = new ReferenceEvaluator(g).run(Tensor.of(x, 1, 4, 4, c)).toArray();
            float[] got = runNative(g, x, 1);
            assertTrue(Float.isNaN(want[0]) && Float.isNaN(want[1]), "the reference propagates NaN");
            assertSame(want, got, "NaN, c=" + c);
            for (int i = 0; i < want.length; i++) {
                assertEquals(Float.floatToIntBits(want[i]) == 0, Float.floatToIntBits(got[i]) == 0, "sign of zero at " + i);
            }
        }
    }
}
